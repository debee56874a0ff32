"""The pipeline, written once: uses → pack by supplier → enrichment → evaluation by the version in force → decisions.

A ``Judge`` owns what a run needs, like OpenFisca's simulation owns its
tax-benefit system: the pack set (with its assumptions), the engine, and the
decisions already made (one memo per pack). ``check``, ``audit``, ``diff``,
``compare``, the server and the Dask workers all call it; a worker rebuilds the
same judge from its ``spec``, assumptions included.

Which pack judges a use: the pack of the supplier the use states; else, when the
catalogue knows the weapon, each supplier that delivered it; else every
supplier. Each candidate supplier's pack judges the use (no pack: NOT_GOVERNED).
One candidate → its decision. Several → their common verdict if they agree,
otherwise INDETERMINATE with ``supplier`` in ``missing``; each candidate's
verdict is kept. So an ambiguous supplier is never more permissive than the
strictest candidate unless all agree.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from enduse.alternatives import combine, expand
from enduse.catalog import load_catalog
from enduse.columns import (
    AREA,
    CANDIDATES,
    FACT,
    CLAUSES,
    CONFIDENCE,
    ERRORS,
    MISSING,
    PACK,
    PIECES,
    ROW,
    SUPPLIER,
    VAGUE_ZONES,
    VERDICT,
    VERSION,
    WITHIN_KM,
    ZONES,
)
from enduse.cores import usable_cores
from enduse.decisions import Decision, Verdict, combined_decision, decision_from_row, lowest_confidence
from enduse.engines import ENGINES
from enduse.enrich import Located, locate_uses, situate, unknown_fact
from enduse.errors import EnduseError, EvaluationError, InputError
from enduse.evaluate import Memo, decide_frame, resolve_version
from enduse.packs.model import Pack
from enduse.packs.registry import PackRef, PackSet, from_refs, pack_set
from enduse.plan import Plan, compile_plan
from enduse.scalar import judge_uses, quick_use
from enduse.tables import ENGINE
from enduse.uses import REASON, Use, parse_uses, uses_frame, validate_uses
from enduse.vocab import UNKNOWN

_NONE = pl.lit([], pl.List(pl.String))
#: Tables with at least this many (use, candidate) rows are judged by their packs in parallel, one thread per core.
PARALLEL_MIN_ROWS = 20_000
#: What the packs read of a located use (besides its facts), and where it is: what a candidate's rows carry.
_READ = ("__date", "__lat", "__lon", "__weapon", "__target", "__purpose", "__country", "__region")
_PLACE = ("__country", "__region", "__region_name", "__border_km", "__lat", "__lon", WITHIN_KM, AREA, "__place_label", "__weapon")


@dataclass(frozen=True)
class JudgeSpec:
    """What rebuilds a judge in another process: the packs (directories and changed assumptions) and the engine."""

    refs: tuple[PackRef, ...]
    forced: bool
    engine: str

    def build(self) -> Judge:
        return _built(self)


@lru_cache(maxsize=8)
def _built(spec: JudgeSpec) -> Judge:
    return Judge(from_refs(spec.refs, spec.forced), spec.engine)


@dataclass(frozen=True)
class Judged:
    """A judged table: ``rows`` (one per judged input row: input, situation and decision columns), ``candidates``
    (one per candidate of the rows with several; lazy, as only single uses' decisions list them) and ``rejects``
    (input columns, ``row``, ``reason``)."""

    rows: pl.DataFrame
    candidates: pl.LazyFrame
    rejects: pl.DataFrame


@dataclass(frozen=True)
class Prepared:
    """A table validated and located, ready to be judged (``Judge.prepare``): its located valid uses, its invalid rows
    (or ``None``) and the columns its rejects keep."""

    located: Located
    invalid: pl.DataFrame | None
    originals: list[str]


def cedar_error(errors: str | pl.Expr, version: str | pl.Expr, pack: str | pl.Expr) -> str | pl.Expr:
    """How a Cedar evaluation error is reported, for one use or a column of them."""
    if isinstance(errors, str):
        return f"Cedar evaluation error in clause(s) {errors} of version {version!r} of {pack}; no verdict is given for this use"
    return pl.format("Cedar evaluation error in clause(s) {} of version {} of {}; no verdict is given for this use", errors, version, pack)


class Judge:
    """Judges uses and tables of uses under a pack set with one engine; keeps each pack's decisions for reuse."""

    def __init__(self, packs: PackSet, engine: str = "columnar") -> None:
        if engine not in ENGINES:
            raise InputError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
        self.packs = packs
        self.engine_name = engine
        self.engine = ENGINES[engine]
        self.memos: dict[str, Memo] = {}  # by pack name, beside its plan
        self._plans: dict[str, Plan] = {}
        self._compiling = threading.Lock()
        catalog = list(load_catalog())
        self._weapon_suppliers = {w.name: list(w.suppliers) for w in catalog}
        self._all_suppliers = sorted({s for w in catalog for s in w.suppliers} | set(packs.by_supplier))

    @classmethod
    def create(cls, pack: str | Path | Pack | PackSet | None = None, params: Mapping[str, str] | None = None,
               engine: str = "columnar") -> Judge:
        """A judge of every bundled pack (``pack=None``) or of one forced pack, with changed assumptions."""
        return cls(pack_set(pack, params), engine)

    def plan(self, pack: Pack) -> Plan:
        """``pack``'s compiled plan, compiled on first use and then kept (a check needs only its supplier's)."""
        plan = self._plans.get(pack.name)
        if plan is None:
            with self._compiling:  # one plan and one memo per pack, whichever thread asks first
                if pack.name not in self._plans:
                    plan = compile_plan(pack)
                    self.memos[pack.name] = Memo(plan.keys)
                    self._plans[pack.name] = plan
            plan = self._plans[pack.name]
        return plan

    def memo(self, pack: Pack) -> Memo:
        """The decisions ``pack`` has made for this judge, kept by its plan's keys."""
        self.plan(pack)
        return self.memos[pack.name]

    @property
    def spec(self) -> JudgeSpec:
        return JudgeSpec(self.packs.refs, self.packs.forced, self.engine_name)

    # -- the table path -------------------------------------------------------------------------------------

    def candidates(self, supplier: str | None, weapon: str) -> list[str] | None:
        """The suppliers whose packs judge a use stating ``supplier`` (``None``, empty or ``unknown``: not stated) and
        ``weapon`` (see the module docstring); ``None`` for a weapon the catalogue does not know.

        The one definition: tables apply it once per distinct pair, single uses directly.
        """
        if supplier and supplier != UNKNOWN:
            found: list[str] | None = [supplier]
        elif weapon == UNKNOWN:
            found = self._all_suppliers
        else:
            found = self._weapon_suppliers.get(weapon)
        forced = self.packs.packs[0].supplier if self.packs.forced else None
        return [forced] if found is not None and forced in found else found

    def _with_candidates(self, uses: pl.DataFrame) -> pl.DataFrame:
        pairs = uses.select("__supplier_stated", "__weapon").unique()
        lists = [self.candidates(supplier, weapon) for supplier, weapon in pairs.iter_rows()]
        table = pairs.with_columns(pl.Series(SUPPLIER, lists, dtype=pl.List(pl.String)))
        return uses.join(table, on=["__supplier_stated", "__weapon"], how="left", nulls_equal=True, maintain_order="left")

    def _under(self, pack: Pack, uses: pl.DataFrame, located: Located, version: str | None) -> pl.DataFrame:
        """The decision of ``pack`` on each of ``uses`` (the slim rows of ``_judge``)."""
        situations = expand(situate(uses, located.locations.take(uses["__loc"].to_numpy()), pack), pack, located.areas)
        forced = resolve_version(pack, version)
        decided = decide_frame(situations, pack, self.engine, version=forced, memo=self.memo(pack), plan=self.plan(pack))
        decided = decided.with_columns(pl.lit(pack.name).alias(PACK))
        return combine(decided, [ROW, "__cand"]).select(
            ROW, "__n", "__cand", SUPPLIER, PACK, VERSION, VERDICT, CLAUSES, MISSING, ERRORS,
            CONFIDENCE, ZONES, VAGUE_ZONES, "__assumptions", *(FACT + f for f in pack.facts),
        )

    @staticmethod
    def _ungoverned(uses: pl.DataFrame) -> pl.DataFrame:
        return uses.select(
            ROW, "__n", "__cand", SUPPLIER, pl.lit(None, pl.String).alias(PACK), pl.lit(None, pl.String).alias(VERSION),
            pl.lit(Verdict.NOT_GOVERNED.value).alias(VERDICT), _NONE.alias(CLAUSES), _NONE.alias(MISSING),
            _NONE.alias(ERRORS), pl.lit(None, pl.String).alias(CONFIDENCE), _NONE.alias(ZONES), _NONE.alias(VAGUE_ZONES),
            _NONE.alias("__assumptions"),
        )

    def table(self, frame: pl.DataFrame, *, first_row: int = 1, version: str | None = None) -> Judged:
        """Judge every row of ``frame`` (use columns, and any fact of the set as a column).

        Rows in = ``rows`` + ``rejects``, always. A row any of whose candidates met a Cedar error is rejected
        with the clauses named, never given a verdict. ``version`` forces a version (id or date) in every pack.
        """
        return self.judged(self.prepare(frame, first_row=first_row), version=version)

    def prepare(self, frame: pl.DataFrame, *, first_row: int = 1) -> Prepared:
        """The first steps of ``table``, which read no pack memo: validation and locating. An audit prepares the next
        batch while it judges one (``enduse.audit``)."""
        facts = [name for name in self.packs.facts if name in frame.columns]
        valid, invalid = validate_uses(frame, facts, first_row=first_row)
        return Prepared(locate_uses(valid), invalid, frame.columns)

    def judged(self, prepared: Prepared, *, version: str | None = None) -> Judged:
        """The rest of ``table``: every located use judged by its candidates' packs."""
        located, invalid, originals = prepared.located, prepared.invalid, prepared.originals
        base = self._with_candidates(located.uses.with_row_index("__loc"))
        facts = [c for c in base.columns if c.startswith(FACT)]
        # Each candidate of each use, carrying only what the packs read; input columns join back at the end.
        each = base.select(
            ROW, "__loc", PIECES, *_READ, *facts, SUPPLIER, pl.col(SUPPLIER).list.len().alias("__n"),
            pl.col(SUPPLIER).list.eval(pl.int_range(pl.len())).alias("__cand"),
        ).explode([SUPPLIER, "__cand"])
        groups = [(supplier, group) for (supplier,), group in each.group_by(SUPPLIER, maintain_order=True)]

        def decided(supplier: str, group: pl.DataFrame) -> pl.DataFrame:
            pack = self.packs.for_supplier(supplier)
            return self._ungoverned(group) if pack is None else self._under(pack, group, located, version)

        workers = min(len(groups), usable_cores()) if each.height >= PARALLEL_MIN_ROWS else 1
        if workers > 1:  # each pack has its own memo and plan; polars and the geometry release the GIL
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(lambda item: decided(*item), groups))
        else:
            parts = [decided(*item) for item in groups]
        per = pl.concat(parts, how="diagonal_relaxed") if parts else self._ungoverned(each)
        failed = per.filter(pl.col(ERRORS).list.len() > 0).group_by(ROW).agg(
            cedar_error(pl.col(ERRORS).first().list.join(", "), pl.col(VERSION).first(), pl.col(PACK).first()).alias(REASON))
        per = per.filter(~pl.col(ROW).is_in(failed[ROW].implode()))
        several = per.filter(pl.col("__n") > 1).sort(ROW, "__cand")
        decisions = pl.concat([per.filter(pl.col("__n") == 1), _combined(several)], how="diagonal_relaxed").drop("__n", "__cand")
        rows = base.drop(SUPPLIER, "__loc", PIECES, *facts).join(decisions, on=ROW, how="inner", maintain_order="left")
        errored = base.join(failed, on=ROW).select(*originals, pl.col(ROW).alias("row"), REASON)
        candidates = several.lazy().drop("__n", "__cand").join(base.lazy().select(ROW, *_PLACE), on=ROW, maintain_order="left")
        rejected = [r.select(*originals, "row", REASON) for r in (invalid, located.rejects, errored) if r is not None]
        return Judged(rows, candidates, pl.concat(rejected, how="vertical_relaxed").sort("row"))

    # -- single uses ----------------------------------------------------------------------------------------

    def uses(self, uses: Sequence[Use | Mapping[str, Any]], *, version: str | None = None,
             scalar: bool = True) -> list[Decision | EnduseError]:
        """Each use's ``Decision``, or the ``EnduseError`` that use alone raised, in order.

        Errors of the call itself (an unknown version) are raised. A use at a point or named place takes the
        scalar path (``enduse.scalar``) unless ``scalar`` is false; the others (areas) are judged as one table; both
        give the same answers.
        """
        quick = {i: q for i, use in enumerate(uses) if scalar and not isinstance(use, Use) and (q := quick_use(use)) is not None}
        raws = [(i, use) for i, use in enumerate(uses) if not isinstance(use, Use) and i not in quick]
        parsed = dict(zip([i for i, _ in raws], parse_uses([use for _, use in raws]), strict=True)) if raws else {}
        parsed |= quick
        results: list[Decision | EnduseError | None] = [None] * len(uses)
        ready: list[tuple[int, Use]] = []
        for index, use in enumerate(uses):
            use = parsed.get(index, use)
            if isinstance(use, EnduseError):
                results[index] = use
                continue
            unknown = [name for name in use.facts if name not in self.packs.facts]
            if unknown:
                results[index] = unknown_fact(unknown[0], self.packs.facts, ", ".join(p.name for p in self.packs.packs))
                continue
            ready.append((index, use))
        decided = judge_uses(self, [use for _, use in ready], version) if scalar else [None] * len(ready)
        valid: list[tuple[int, Use]] = []
        for (index, use), result in zip(ready, decided, strict=True):
            if result is None:
                valid.append((index, use))
            else:
                results[index] = result
        if valid:
            judged = self.judged(Prepared(locate_uses(uses_frame([use for _, use in valid])), None, ["id"]), version=version)
            for row, reason in judged.rejects.select("row", REASON).iter_rows():
                results[valid[row - 1][0]] = EvaluationError(reason) if reason.startswith("Cedar") else InputError(reason)
            candidates: dict[int, list[dict[str, Any]]] = {}
            for row in judged.candidates.collect(engine=ENGINE).iter_rows(named=True):
                candidates.setdefault(row[ROW], []).append(row)
            for row in judged.rows.iter_rows(named=True):
                if row[ROW] in candidates:
                    decision = combined_decision([self._decision(r) for r in candidates[row[ROW]]], row)
                else:
                    decision = self._decision(row)
                results[valid[row[ROW] - 1][0]] = decision
        return results  # type: ignore[return-value]

    def _decision(self, row: dict[str, Any]) -> Decision:
        pack = self.packs.pack(row[PACK]) if row[PACK] else None
        return decision_from_row(pack, row, ungoverned=None if pack else self._why_ungoverned(row))

    def _why_ungoverned(self, row: dict[str, Any]) -> str:
        supplier = row[SUPPLIER]
        weapon = "the weapon" if row["__weapon"] == UNKNOWN else row["__weapon"]
        if self.packs.forced:
            only = self.packs.packs[0]
            return f"{weapon} is supplied by {supplier}; {only.name} governs {only.supplier}-supplied weapons"
        return f"{weapon} supplied by {supplier}: no bundled pack governs {supplier}-supplied weapons"


def _combined(several: pl.DataFrame) -> pl.DataFrame:
    """One decision per use with several candidates: the common verdict, or INDETERMINATE naming ``supplier``."""
    if several.is_empty():
        return several.select(ROW, VERDICT, MISSING, ZONES, VAGUE_ZONES, CONFIDENCE, pl.lit(None, pl.String).alias(CANDIDATES))
    entry = pl.struct(pl.col(SUPPLIER).alias("supplier"), pl.col(PACK).alias("pack"), pl.col(VERSION).alias("version"),
                      pl.col(VERDICT).alias("verdict"), pl.col(CLAUSES).alias("clauses")).struct.json_encode()
    agg = several.group_by(ROW, maintain_order=True).agg(
        pl.col(VERDICT).unique().alias("__verdicts"),
        pl.col(MISSING).list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True).alias("__missing_all"),
        pl.col(ZONES).list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True).alias(ZONES),
        pl.col(VAGUE_ZONES).list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True).alias(VAGUE_ZONES),
        lowest_confidence(pl.col(CONFIDENCE)),
        pl.format("[{}]", entry.str.join(",")).alias(CANDIDATES),
    )
    agree = pl.col("__verdicts").list.len() == 1
    return agg.select(
        ROW, ZONES, VAGUE_ZONES, CANDIDATES,
        pl.when(agree).then(pl.col("__verdicts").list.first()).otherwise(pl.lit(Verdict.INDETERMINATE.value)).alias(VERDICT),
        pl.when(agree).then(pl.col("__missing_all"))
        .otherwise(pl.concat_list(pl.lit(["supplier"]), pl.col("__missing_all"))).alias(MISSING),
        CONFIDENCE,
        pl.lit(None, pl.String).alias(SUPPLIER), pl.lit(None, pl.String).alias(PACK), pl.lit(None, pl.String).alias(VERSION),
        _NONE.alias(CLAUSES), _NONE.alias(ERRORS),
    )
