"""The HTTP API and web page: ``create_app`` builds the ASGI application that ``enduse serve`` runs.

Every answer is JSON; every mistake is a 4xx whose body is ``{"error": "..."}``
saying what is wrong (``InputError`` and ``EvaluationError`` → 422,
``PackError`` → 400, an unknown pack → 404, a body over its limit → 413).
Every decision (each check, each audit run) is appended to the decision log
chosen at start, by one thread that owns the log's connection; a decision that
cannot be logged is not given (503, the one answer that is not the caller's
mistake). Nothing else is written outside a temporary directory, and no part of
a request names a file: packs are bundled packs, known by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import shutil
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
import polars as pl
import pyarrow as pa
from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from enduse.audit import AuditSummary, Limits, run_audit
from enduse.catalog import load_catalog
from enduse.compare import compare_suppliers
from enduse.decision_log import (
    DecisionLog,
    Entry,
    LogUnavailable,
    canonical_json,
    default_log_path,
    pack_digest,
)
from enduse.decisions import Decision
from enduse.diff import Side, compare
from enduse.errors import Cancelled, EvaluationError, InputError, PackError, TooLarge, shown
from enduse.evaluate import resolve_version
from enduse.geo.gazetteer import search_places
from enduse.judge import Judge
from enduse.packs import builtin_names
from enduse.packs.model import Pack
from enduse.packs.params import parse_assignments, with_checked_params
from enduse.packs.registry import FOUNDING_PACK, PackSet, load_pack, pack_set
from enduse.server.batching import Batcher
from enduse.server.compare_models import MAX_PLACE_QUERY, CompareRequest, CompareRowOut, PlaceOut
from enduse.server.geography import geography_geojson
from enduse.server.models import (
    DIFF_SIDE,
    PACK_NAME,
    CheckRequest,
    DecisionOut,
    DiffOut,
    ErrorOut,
    FactOut,
    FeatureCollection,
    HealthOut,
    PackOut,
    ParameterOut,
    SourceOut,
    VersionOut,
    VocabOut,
    WeaponOut,
)
from enduse.tables import BATCH_ROWS, BY_SUFFIX, FORMATS, suffixes
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS
from enduse.zone_shapes import coalition_zones_geojson, zones_geojson

STATIC = Path(__file__).with_name("static")
MAX_JSON_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Decoded size limits of an upload: a small compressed file can hold a very large table.
MAX_UPLOAD_ROWS = 250_000
MAX_UPLOAD_CELLS = 10_000_000
CHECK_CACHE_SIZE = 4096
DIFF_CACHE_SIZE = 64
COMPARE_CACHE_SIZE = 256
MAX_PLACES = 20
MEDIA = {**{name: f.media_type for name, f in FORMATS.items()}, "zip": "application/zip"}
TableFormat = Literal[tuple(FORMATS)]  # type: ignore[valid-type]  # every format of the table registry
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", (b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                                  b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")),
]

logger = logging.getLogger("enduse.server")

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((400, "Invalid pack"), (404, "Unknown pack"), (413, "Body too large"), (422, "Invalid input"),
                       (503, "The decision log cannot be written now; no decision is given unlogged"))
}
#: Seconds a client is asked to wait (``Retry-After``) when the decision log cannot be written.
LOG_RETRY_AFTER = 5
PackQuery = Annotated[str | None, Query(pattern=PACK_NAME, description="Name of a bundled pack (GET /v1/packs); default: the server's.")]
ParamQuery = Annotated[list[str] | None, Query(max_length=32, description="Changed named assumption, name=value (repeatable).")]


def error(status: int, message: str, **details: Any) -> JSONResponse:
    return JSONResponse({"error": shown(message), **details}, status_code=status)


class Guard:
    """Bounds every request body and adds the security headers to every answer.

    The whole body is read first and a 413 answered once it passes its limit
    (uploads get a larger one), before any parser sees it and whatever
    ``Content-Length`` claims.
    """

    def __init__(self, app: ASGIApp, max_json_bytes: int, max_upload_bytes: int, upload_paths: Sequence[str]) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_paths = tuple(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload_bytes if scope["path"] in self.upload_paths else self.max_json_bytes
        too_large = functools.partial(error, 413, f"request body larger than {limit} bytes", limit=limit)  # made only if needed
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large()(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await too_large()(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body, delivered = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, replay, send_with_headers)


def _first_problem(errors: Sequence[Any]) -> str:
    if not errors:
        return "invalid request"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid request"))


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                   for e in exc.errors()]
        return error(422, _first_problem(details), details=details)

    @app.exception_handler(HTTPException)
    async def http(_request: Request, exc: HTTPException) -> JSONResponse:
        response = error(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(InputError)
    async def bad_input(_request: Request, exc: InputError) -> JSONResponse:
        return error(413 if isinstance(exc, TooLarge) else 422, str(exc))

    @app.exception_handler(LogUnavailable)
    async def unlogged(_request: Request, exc: LogUnavailable) -> JSONResponse:
        logger.error("%s", exc)  # the path and SQLite's reason stay in the server's log, not in the answer
        response = error(503, "the decision log cannot be written now, so no decision is given; try again later")
        response.headers["retry-after"] = str(LOG_RETRY_AFTER)
        return response

    @app.exception_handler(Cancelled)
    async def cancelled(_request: Request, exc: Cancelled) -> JSONResponse:
        return error(499, str(exc))

    @app.exception_handler(EvaluationError)
    async def evaluation(_request: Request, exc: EvaluationError) -> JSONResponse:
        return error(422, str(exc), kind="evaluation")

    @app.exception_handler(PackError)
    async def bad_pack(_request: Request, exc: PackError) -> JSONResponse:
        return error(400, str(exc), kind="pack")

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return error(500, "internal error; the server log has the details")


JUDGES_KEPT = 32


class Packs:
    """Bundled packs by name, loaded once, each with its digest; and the judges that requests use.

    A check that names no pack is judged by its supplier's pack (or by the server's forced pack, if it has one).
    """

    def __init__(self, forced: str | Pack | None) -> None:
        self.loaded: dict[str, Pack] = {}
        self.digests: dict[str, str] = {}
        self.forced = None
        if forced is not None:
            pack = forced if isinstance(forced, Pack) else self._load(forced)
            self.loaded[pack.name], self.digests[pack.name] = pack, pack_digest(pack)
            self.forced = pack.name
        self.default = self.forced or FOUNDING_PACK
        self.judges = RecentAnswers(JUDGES_KEPT)

    @staticmethod
    def _load(name: str) -> Pack:
        if name not in builtin_names():
            raise HTTPException(404, f"no bundled pack {name!r} (bundled: {', '.join(builtin_names())})")
        return load_pack(name)

    def get(self, name: str | None) -> Pack:
        name = name or self.default
        if name not in self.loaded:
            pack = self._load(name)
            self.loaded[name], self.digests[name] = pack, pack_digest(pack)
        return self.loaded[name]

    def digest(self, name: str) -> str:
        self.get(name)
        return self.digests[name]

    def judge(self, name: str | None, params: dict[str, str] | None) -> Judge:
        """The judge of one named pack, or of the server's set (every bundled pack, or its forced pack)."""
        name = name or self.forced
        key = canonical_json([name, params or {}])
        found = self.judges.get(key)
        if found is None:
            chosen = self.get(name) if name else None
            found = self.judges.put(key, Judge(pack_set(chosen, params), engine="cedar"))
        return found

    def with_params(self, name: str | None, items: list[str] | None) -> Pack:
        return with_checked_params(self.get(name), parse_assignments(items or [], "param"))

    def side(self, text: str, default: str | None, items: list[str] | None) -> Side:
        """A diff side from ``VERSION`` or ``PACK@VERSION`` (bundled packs only), with changed assumptions."""
        name, _at, version = text.rpartition("@")
        pack = self.with_params(name or default, items)
        return Side(pack, pack.version(resolve_version(pack, version)), parse_assignments(items or [], "param"))


def _sources(pack: Pack, ids: Sequence[str]) -> list[SourceOut]:
    return [SourceOut(id=s, outlet=pack.sources[s].outlet, date=pack.sources[s].date.isoformat(), quote=pack.sources[s].quote,
                      url=pack.sources[s].url, kind=pack.sources[s].kind, confidence=pack.sources[s].confidence) for s in ids]


class RecentAnswers:
    """A small LRU map: checks are pure functions of the canonical request, so answers can be reused."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: str, value: Any) -> Any:
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


def _audit_upload(source: Path, decided: Path, rejected: Path, packs: PackSet, limits: Limits,
                  stop: Callable[[], bool]) -> AuditSummary:
    """``run_audit`` on an uploaded file within ``limits``; a file the readers cannot parse is the uploader's mistake
    (422), one past the limits too large (413)."""
    try:
        return run_audit(source, decided, rejects=rejected, pack=packs, progress=False, limits=limits, stop=stop,
                         batch_size=min(BATCH_ROWS, limits.rows + 1))
    except InputError as problem:  # its message names the server's temporary file: name the upload instead
        raise type(problem)(str(problem).replace(str(source), "the upload")) from None
    except (pl.exceptions.PolarsError, pa.ArrowException) as problem:
        first = (str(problem).strip().splitlines() or [type(problem).__name__])[0]
        raise InputError(f"cannot read the upload as {source.suffix.lstrip('.')}: {first}") from None


def _before(pack: Pack, text: str) -> bool:
    """Whether ``text`` is a date before the pack's first version."""
    try:
        return pack.version_on(dt.date.fromisoformat(text)) is None
    except ValueError:
        return False


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(functools.partial(f.read, 1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_app(
    pack: str | Pack | None = None,
    log_path: str | Path | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    cors_origins: Sequence[str] | None = None,
    *,
    max_json_bytes: int = MAX_JSON_BYTES,
    max_upload_rows: int = MAX_UPLOAD_ROWS,
    max_upload_cells: int = MAX_UPLOAD_CELLS,
) -> FastAPI:
    """The enduse web app, judging each use by its supplier's pack (or by ``pack`` if given), logging to ``log_path``.

    ``log_path`` defaults to ``enduse.decision_log.default_log_path()``. CORS is
    off unless ``cors_origins`` lists origins allowed to call the API from a browser. An uploaded table
    may hold at most ``max_upload_rows`` rows and ``max_upload_cells`` cells once decoded (413 past them).
    """
    packs = Packs(pack)
    limits = Limits(rows=max_upload_rows, cells=max_upload_cells)
    log = DecisionLog(log_path or default_log_path())
    # One thread judges the checks and writes the log, its connection open for the server's life: a check crosses
    # from the event loop once, judged and logged in the same pass.
    decider = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enduse-decide")
    try:
        decider.submit(log.head).result()  # opened by the thread that writes it; a log that cannot be, fails at start
    except BaseException:
        decider.shutdown()
        raise

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # Closed at shutdown by its own thread (a clean checkpoint of the file); reopened if the app serves again.
        await asyncio.get_running_loop().run_in_executor(decider, log.close)
    audits = anyio.CapacityLimiter(1)
    diffs = RecentAnswers(DIFF_CACHE_SIZE)
    diffing = anyio.CapacityLimiter(1)
    comparisons = RecentAnswers(COMPARE_CACHE_SIZE)
    comparing = anyio.CapacityLimiter(2)
    app = FastAPI(
        title="enduse",
        version=metadata.version("enduse"),
        summary="Was a weapons use allowed under the end-use policy in force? Which clause decided, which source says so.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.log = log
    _install_errors(app)
    app.add_middleware(Guard, max_json_bytes=max_json_bytes, max_upload_bytes=max_upload_bytes, upload_paths=["/v1/audit"])
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["content-type"], expose_headers=["x-enduse-log-seq", "x-enduse-rows-in",
                           "x-enduse-rows-out", "x-enduse-rows-rejected", "x-enduse-verdicts", "x-enduse-output-sha256"])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    decisions = RecentAnswers(CHECK_CACHE_SIZE)

    def answer(judged: Decision) -> tuple[bytes, dict[str, Any]]:
        """(response body, log summary) of one decision."""
        payload = judged.to_json()
        body = canonical_json(payload).encode("utf-8")
        deciders = [payload["pack"]] if payload["pack"] else [c["pack"] for c in payload["candidates"] if c["pack"]]
        summary = {"verdict": payload["verdict"], "version": payload["version"], "clauses": [c["id"] for c in payload["clauses"]],
                   "missing": payload["missing"], "packs": deciders, "sha256": hashlib.sha256(body).hexdigest()}
        return body, summary

    def entry(kind: str, pack_names: Sequence[str], version: str | None, verdict: str | None, given: Any,
              result: Any) -> Entry:
        """The record of one decision, naming the pack(s) that decided with their digests."""
        return Entry(kind=kind, pack=",".join(pack_names), pack_digest=",".join(packs.digest(n) for n in pack_names),
                     version=version, verdict=verdict, input=given, result=result)

    def check_entry(given: dict[str, Any], summary: dict[str, Any]) -> Entry:
        return entry("check", summary["packs"], summary["version"], summary["verdict"], given, summary)

    def judge_and_log(key: tuple[str | None, str | None, str], checks: Sequence[tuple[Any, dict[str, Any]]]) -> list[Any]:
        """(body, summary, seq) of each check of a pass, or its error; the decisions logged in one transaction.
        A log that cannot be written fails the whole pass (503): no decision is given unlogged."""
        pack_name, version, params = key
        judged = packs.judge(pack_name, json.loads(params)).uses([use for use, _ in checks], version=version)
        answers = [r if isinstance(r, Exception) else answer(r) for r in judged]
        kept = log.append_many([check_entry(given, a[1]) for a, (_, given) in zip(answers, checks, strict=True)
                                if not isinstance(a, Exception)])
        seqs = iter(record["seq"] for record in kept)
        return [a if isinstance(a, Exception) else (*a, next(seqs)) for a in answers]

    checks = Batcher(judge_and_log, executor=decider)
    # Other decisions (checks answered from the cache, comparisons, audits) given together are logged in one
    # transaction too: a commit costs more than a record.
    records = Batcher(lambda _key, entries: [kept["seq"] for kept in log.append_many(entries)], executor=decider)

    async def record(*about: Any) -> int:
        """Log one decision (``entry``'s arguments); its record's ``seq``."""
        return await records.submit(None, entry(*about))

    @app.post("/v1/check", response_model=DecisionOut, responses=ERRORS, tags=["decisions"])
    async def check_use(request: CheckRequest) -> Response:
        """Judge one use: the same JSON as `enduse check --format json`. The decision is logged (`X-Enduse-Log-Seq`)."""
        if request.pack:
            packs.get(request.pack)
        given = request.model_dump()
        key = canonical_json(given)
        found = decisions.get(key)
        if found is None:
            batch = (request.pack, request.version, canonical_json(request.params or {}))
            body, summary, seq = await checks.submit(batch, (request.use(), given))
            decisions.put(key, (body, summary))
        else:
            body, summary = found
            seq = await records.submit(None, check_entry(given, summary))
        return Response(body, media_type="application/json", headers={"x-enduse-log-seq": str(seq)})

    @app.post("/v1/compare", response_model=list[CompareRowOut], responses=ERRORS, tags=["decisions"])
    async def compare_use(request: CompareRequest) -> Response:
        """Every supplier side by side for one use: the rows of `enduse compare --format json` (one per supplier, and
        per group of its weapons its pack judges apart), judged by the server's packs. Logged (`X-Enduse-Log-Seq`)."""
        given = request.model_dump()
        chosen = packs.judge(None, request.params).packs
        key = canonical_json(given)
        found = comparisons.get(key)
        if found is None:
            async with comparing:
                rows = await run_in_threadpool(compare_suppliers, request.use(), chosen)
            found = comparisons.put(key, (canonical_json(rows).encode("utf-8"), [f"{r['supplier']}={r['verdict']}" for r in rows]))
        body, verdicts = found
        summary = {"verdicts": verdicts, "sha256": hashlib.sha256(body).hexdigest()}
        seq = await record("compare", [p.name for p in chosen.packs], None, None, given, summary)
        return Response(body, media_type="application/json", headers={"x-enduse-log-seq": str(seq)})

    @app.post("/v1/audit", responses={**ERRORS, 200: {"description": "The audited table (or a zip of decided and rejected rows)",
                                                      "content": {m: {} for m in MEDIA.values()}}}, tags=["decisions"])
    async def audit_table(
        request: Request,
        file: Annotated[UploadFile, File(description=f"A table of uses: {suffixes()} (the file name's extension tells).")],
        format: Annotated[TableFormat | None, Query(description="Output format; default: the input's.")] = None,
        part: Annotated[Literal["decided", "rejects", "zip"], Query(description="decided rows, rejected rows, or a zip of both.")] = "decided",
        pack: PackQuery = None,
        param: ParamQuery = None,
    ) -> Response:
        """Audit an uploaded table; counts in `X-Enduse-Rows-In/Out/Rejected` and `X-Enduse-Verdicts`; one log record per run."""
        judge = packs.judge(pack, parse_assignments(param or [], "param"))
        suffix = Path(file.filename or "").suffix.lower()
        if suffix not in BY_SUFFIX:
            raise InputError(f"upload file name {file.filename!r} must end in one of {suffixes()}")
        kind = BY_SUFFIX[suffix].name
        out_kind = format or kind
        folder = Path(tempfile.mkdtemp(prefix="enduse-audit-"))
        try:
            source = folder / f"input.{kind}"
            data = await file.read()
            source.write_bytes(data)
            decided, rejected = folder / f"decided.{out_kind}", folder / f"rejects.{out_kind}"
            gone = threading.Event()

            async def watch() -> None:
                while not gone.is_set():
                    if await request.is_disconnected():
                        gone.set()
                    await anyio.sleep(0.2)

            async with audits:
                watcher = asyncio.ensure_future(watch())
                try:
                    summary = await run_in_threadpool(_audit_upload, source, decided, rejected, judge.packs, limits, gone.is_set)
                finally:
                    gone.set()
                    await watcher
            if part == "zip":
                result = folder / "audit.zip"
                with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as bundle:
                    bundle.write(decided, decided.name)
                    bundle.write(rejected, rejected.name)
                media = MEDIA["zip"]
            else:
                result, media = (decided if part == "decided" else rejected), MEDIA[out_kind]
            verdicts = dict(sorted(summary.verdicts.items()))
            counts = {"rows_in": summary.rows_in, "rows_out": summary.rows_out, "rows_rejected": summary.rows_rejected}
            digests = {"decided_sha256": _sha256_file(decided), "rejects_sha256": _sha256_file(rejected)}
            given = {"upload_sha256": hashlib.sha256(data).hexdigest(), "upload_bytes": len(data), "input_format": kind,
                     "format": out_kind, "params": parse_assignments(param or [], "param")}
            names = [p.name for p in judge.packs.packs]
            seq = await record("audit", names, None, None, given, {**counts, "verdicts": verdicts, **digests})
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        headers = {
            "x-enduse-rows-in": str(summary.rows_in),
            "x-enduse-rows-out": str(summary.rows_out),
            "x-enduse-rows-rejected": str(summary.rows_rejected),
            "x-enduse-verdicts": ",".join(f"{k}={v}" for k, v in verdicts.items()),
            "x-enduse-output-sha256": _sha256_file(result),
            "x-enduse-log-seq": str(seq),
        }
        filename = result.name if part == "zip" else f"{'audit' if part == 'decided' else 'rejects'}.{out_kind}"
        return FileResponse(result, media_type=media, filename=filename, headers=headers,
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))

    @app.get("/v1/packs", response_model=list[PackOut], tags=["packs"])
    def list_packs() -> list[PackOut]:
        """The bundled packs, with their facts and named assumptions."""
        answer = []
        for name in builtin_names():
            p = packs.get(name)
            answer.append(PackOut(
                name=p.name, title=p.title, supplier=p.supplier, recipient=p.recipient, description=p.description,
                digest=packs.digest(name), versions=p.version_ids, zones=list(p.zones),
                facts=[FactOut(name=n, description=f.description, default=f.default) for n, f in p.facts.items()],
                parameters=[ParameterOut(name=n, value=v.value, title=v.title, unit=v.unit, choices=v.choices)
                            for n, v in p.parameters.items()],
            ))
        return answer

    @app.get("/v1/versions", response_model=list[VersionOut], responses=ERRORS, tags=["packs"])
    def list_versions(pack: PackQuery = None) -> list[VersionOut]:
        """A pack's versions with their dates, confidence, clauses, zones in force and sources."""
        p = packs.get(pack)
        return [VersionOut(id=v.id, title=v.title, effective_from=v.effective_from.isoformat(),
                           effective_to=v.effective_to.isoformat() if v.effective_to else None, confidence=v.confidence,
                           date_confidence=v.date_confidence, date_note=v.date_note, clauses=list(v.clauses),
                           zones=list(v.zones), sources=_sources(p, v.sources)) for v in p.versions]

    def _supplier_zones(supplier: str, date: str | None, pack: str | None, param: list[str] | None) -> dict[str, Any]:
        if pack:
            raise InputError("give either pack or supplier, not both")
        try:
            day = dt.date.fromisoformat(date) if date else dt.date.today()
        except ValueError:
            raise InputError(f"date {date!r} must be YYYY-MM-DD when a supplier is given") from None
        chosen = packs.judge(None, parse_assignments(param or [], "param")).packs
        if supplier != "all":
            found = chosen.for_supplier(supplier.upper())
            if found is None:
                raise InputError(f"no pack governs {supplier.upper()}-supplied weapons (suppliers: {', '.join(chosen.by_supplier)})")
        selected = chosen.packs if supplier == "all" else (found,)
        return {**coalition_zones_geojson(selected, day), "date": day.isoformat()}

    @app.get("/v1/zones", response_model=FeatureCollection, responses=ERRORS, tags=["geography"])
    def zones(
        date: Annotated[str | None, Query(max_length=40, description="A date (YYYY-MM-DD) or version id; default: the latest version.")] = None,
        pack: PackQuery = None,
        param: ParamQuery = None,
        supplier: Annotated[str | None, Query(pattern=r"^([A-Za-z]{2}|all)$", description=(
            "A supplier (ISO 3166-1 alpha-2, e.g. GB) or `all`: the zones of those suppliers' packs in force on `date` "
            "(a YYYY-MM-DD date; default today), each feature naming its supplier, pack and version. Instead of `pack`."))] = None,
    ) -> dict[str, Any]:
        """GeoJSON of the zone bands (inside / vague) in force on `date`, as the pack's assumptions draw them."""
        if supplier is not None:
            return _supplier_zones(supplier, date, pack, param)
        judge = packs.with_params(pack, param)
        if date and _before(judge, date):
            return {"type": "FeatureCollection", "features": [], "version": None}
        version_id = resolve_version(judge, date) if date else judge.versions[-1].id
        return {**zones_geojson(judge, judge.version(version_id)), "version": version_id}

    @app.get("/v1/diff", response_model=DiffOut, responses=ERRORS, tags=["packs"])
    async def diff(
        a: Annotated[str, Query(pattern=DIFF_SIDE, description="Side a: a version id or date, or PACK@VERSION.")],
        b: Annotated[str, Query(pattern=DIFF_SIDE, description="Side b: a version id or date, or PACK@VERSION.")],
        pack: PackQuery = None,
        param_a: ParamQuery = None,
        param_b: ParamQuery = None,
    ) -> Response:
        """What changed from `a` to `b`: clauses, assumptions, zone land gained and lost, and verdicts over every use."""
        def compute() -> bytes:
            return canonical_json(compare(packs.side(a, pack, param_a), packs.side(b, pack, param_b))).encode("utf-8")

        key = canonical_json([a, b, pack, param_a, param_b])
        found = diffs.get(key)
        if found is None:
            async with diffing:
                found = diffs.put(key, await run_in_threadpool(compute))
        return Response(found, media_type="application/json")

    @app.get("/v1/geography", response_model=FeatureCollection, tags=["geography"])
    def geography() -> dict[str, Any]:
        """Simplified GeoJSON of the countries, oblasts, the RU–UA border and the main cities, for drawing a map."""
        return geography_geojson()

    @app.get("/v1/places", response_model=list[PlaceOut], responses=ERRORS, tags=["geography"])
    def places(
        q: Annotated[str, Query(max_length=MAX_PLACE_QUERY, description=(
            "A place name in Latin or Cyrillic letters, typos tolerated; qualifiers after commas narrow it "
            "(`Pokrovsk, UA-14`, `Topoli, Donetsk`, `Sudzha, RU`)."))],
        limit: Annotated[int, Query(ge=1, le=MAX_PLACES, description="At most this many places.")] = 8,
    ) -> list[PlaceOut]:
        """Places of the bundled gazetteer matching `q`, best first: exact names, then names it begins, then similar
        names (the suggestions `enduse check --place` offers). No match is an empty list."""
        return [PlaceOut(name=p.name, lat=p.lat, lon=p.lon, country=p.country, region=p.region, population=p.population)
                for p in search_places(q, limit)]

    @app.get("/v1/weapons", response_model=list[WeaponOut], tags=["vocabulary"])
    def weapons() -> list[WeaponOut]:
        """The weapon catalogue."""
        return [WeaponOut(name=w.name, supplier=w.suppliers[0], suppliers=list(w.suppliers), weapon_class=w.weapon_class,
                          long_range=w.long_range,
                          aliases=list(w.aliases)) for w in load_catalog()]

    @app.get("/v1/vocab", response_model=VocabOut, tags=["vocabulary"])
    def vocab() -> VocabOut:
        """The target and purpose vocabularies and fact values."""
        return VocabOut(targets=list(TARGETS), purposes=list(PURPOSES), fact_values=list(FACT_VALUES))

    @app.get("/healthz", response_model=HealthOut, tags=["service"])
    async def healthz() -> Response:
        """Liveness: always `{"status": "ok"}` while the server runs."""
        return Response(b'{"status":"ok","version":"%s"}' % app.version.encode(), media_type="application/json")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="enduse API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app
