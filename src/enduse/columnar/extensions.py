"""Cedar extension types (decimal, ipaddr, datetime, duration) in plain Python.

Each parser returns the canonical internal value or ``None`` when Cedar would raise an error.
Internal representations (also the polars representation):

* decimal  -> int, the value times 10**4 (Cedar's own representation)
* datetime -> int, milliseconds since the Unix epoch
* duration -> int, milliseconds
* ipaddr   -> str ``"<4|6>/<address as int>/<prefix length>"`` (equality = Cedar's equality)

The rules follow Cedar's reference implementation (cedar-policy-core ``extensions``).
"""

from __future__ import annotations

import re

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1


def fits_i64(x: int) -> bool:
    return I64_MIN <= x <= I64_MAX


# --------------------------------------------------------------------------- decimal
_DECIMAL_RE = re.compile(r"(-?[0-9]+)\.([0-9]+)\Z")


def parse_decimal(s: str) -> int | None:
    m = _DECIMAL_RE.match(s)
    if m is None:
        return None
    left, right = m.group(1), m.group(2)
    lv = int(left)  # "-0" -> 0, exactly like i64::from_str
    if not fits_i64(lv):
        return None
    lv *= 10**4
    if not fits_i64(lv):
        return None
    if len(right) > 4:
        return None
    rv = int(right) * 10 ** (4 - len(right))
    v = lv + rv if lv >= 0 else lv - rv
    return v if fits_i64(v) else None


# --------------------------------------------------------------------------- ipaddr
def _parse_ipv4(s: str) -> int | None:
    parts = s.split(".")
    if len(parts) != 4:
        return None
    v = 0
    for p in parts:
        if not (1 <= len(p) <= 3) or not all("0" <= c <= "9" for c in p):
            return None
        if len(p) > 1 and p[0] == "0":
            return None
        n = int(p)
        if n > 255:
            return None
        v = v * 256 + n
    return v


def _hex_group(g: str) -> int | None:
    if not (1 <= len(g) <= 4) or not all(c in "0123456789abcdefABCDEF" for c in g):
        return None
    return int(g, 16)


def _parse_ipv6(s: str) -> int | None:
    if "." in s:
        return None  # embedded IPv4 is rejected by Cedar (or invalid anyway)
    if "::" in s:
        if s.count("::") != 1:
            return None
        head_s, tail_s = s.split("::")
        head = head_s.split(":") if head_s else []
        tail = tail_s.split(":") if tail_s else []
        if len(head) + len(tail) > 7:
            return None
        groups = head + ["0"] * (8 - len(head) - len(tail)) + tail
    else:
        groups = s.split(":")
        if len(groups) != 8:
            return None
    v = 0
    for g in groups:
        n = _hex_group(g)
        if n is None:
            return None
        v = v * 65536 + n
    return v


def _parse_ip_addr(s: str) -> tuple[int, int] | None:
    """(version, value) for a bare address, like Rust's ``IpAddr::from_str``."""
    if ":" in s:
        v = _parse_ipv6(s)
        return None if v is None else (6, v)
    v = _parse_ipv4(s)
    return None if v is None else (4, v)


def _parse_prefix(s: str, max_val: int, max_len: int) -> int | None:
    if len(s) > max_len or not all("0" <= c <= "9" for c in s) or s == "":
        return None
    if s.startswith("0") and s != "0":
        return None
    n = int(s)
    return n if n <= max_val else None


def parse_ip(s: str) -> str | None:
    if len(s.encode("utf-8")) > 43:
        return None
    if s.count(":") >= 2 and s.count(".") >= 2:
        return None
    if "/" in s:
        addr_s, sub_s = s.split("/", 1)
        addr = _parse_ip_addr(addr_s)
        if addr is None:
            return None
        ver, val = addr
        sub = _parse_prefix(sub_s, 32, 2) if ver == 4 else _parse_prefix(sub_s, 128, 3)
        if sub is None:
            return None
        return f"{ver}/{val}/{sub}"
    whole = _parse_ip_addr(s)
    if whole is None:
        return None
    ver, val = whole
    return f"{ver}/{val}/{32 if ver == 4 else 128}"


def _ip_parts(ip: str) -> tuple[int, int, int]:
    a, b, c = ip.split("/")
    return int(a), int(b), int(c)


def ip_is_ipv4(ip: str) -> bool:
    return _ip_parts(ip)[0] == 4


def ip_is_ipv6(ip: str) -> bool:
    return _ip_parts(ip)[0] == 6


def ip_is_loopback(ip: str) -> bool:
    ver, val, sub = _ip_parts(ip)
    if ver == 4:
        return (val >> 24) == 127 and sub >= 8
    return val == 1 and sub >= 128


def ip_is_multicast(ip: str) -> bool:
    ver, val, sub = _ip_parts(ip)
    if ver == 4:
        return (val >> 28) == 0xE and sub >= 4
    return (val >> 120) == 0xFF and sub >= 8


def ip_is_in_range(child: str, parent: str) -> bool:
    cv, ca, cs = _ip_parts(child)
    pv, pa, ps = _ip_parts(parent)
    if cv != pv:
        return False
    bits = 32 if cv == 4 else 128
    full = (1 << bits) - 1

    def netmask(sub: int) -> int:
        return (full << (bits - sub)) & full if sub > 0 else 0

    def hostmask(sub: int) -> int:
        return full >> sub if sub < bits else 0

    c_net, p_net = ca & netmask(cs), pa & netmask(ps)
    c_bc, p_bc = ca | hostmask(cs), pa | hostmask(ps)
    return p_net <= c_net and c_bc <= p_bc


# --------------------------------------------------------------------------- duration
_DURATION_RE = re.compile(r"-?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?\Z")
_U64_MAX = 2**64 - 1


def parse_duration(s: str) -> int | None:
    if s in ("", "-"):
        return None
    m = _DURATION_RE.match(s)
    if m is None:
        return None
    nums = []
    for idx in (2, 4, 6, 8, 10):
        g = m.group(idx)
        n = int(g) if g is not None else 0
        if n > _U64_MAX:
            return None
        nums.append(n)
    d, h, mi, sec, ms = nums
    neg = s.startswith("-")
    total = -ms if neg else ms
    if not fits_i64(total):
        return None
    for qty, mul in ((sec, 1000), (mi, 60_000), (h, 3_600_000), (d, 86_400_000)):
        if not fits_i64(qty):
            return None
        prod = qty * mul
        if not fits_i64(prod):
            return None
        total = total - prod if neg else total + prod
        if not fits_i64(total):
            return None
    return total


# --------------------------------------------------------------------------- datetime
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_HMS_RE = re.compile(r"T([0-9]{2}):([0-9]{2}):([0-9]{2})")
_MS_OFF_RE = re.compile(r"(\.([0-9]{3}))?(Z|((\+|-)([0-9]{2})([0-9]{2})))\Z")
_MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _valid_date(y: int, m: int, d: int) -> bool:
    if not 1 <= m <= 12 or d < 1:
        return False
    return d <= (29 if m == 2 and _is_leap(y) else _MDAYS[m - 1])


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_datetime(s: str) -> int | None:
    m = _DATE_RE.match(s)
    if m is None:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    rest = s[m.end():]
    if rest == "":
        if not _valid_date(y, mo, d):
            return None
        return _days_from_civil(y, mo, d) * 86_400_000
    mh = _HMS_RE.match(rest)
    if mh is None:
        return None
    hh, mi, ss = int(mh.group(1)), int(mh.group(2)), int(mh.group(3))
    rest = rest[mh.end():]
    mo_ = _MS_OFF_RE.match(rest)
    if mo_ is None:
        return None
    ms = int(mo_.group(2)) if mo_.group(1) is not None else 0
    if not _valid_date(y, mo, d):
        return None
    if hh > 23 or mi > 59 or ss > 59:
        return None
    offset_s = 0
    if mo_.group(4) is not None:
        oh, om = int(mo_.group(6)), int(mo_.group(7))
        if oh >= 24 or om >= 60:
            return None
        offset_s = oh * 3600 + om * 60
        if mo_.group(5) == "-":
            offset_s = -offset_s
    secs = _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - offset_s
    return secs * 1000 + ms


def to_date(dt: int) -> int | None:
    v = dt - (dt % 86_400_000)  # Python % is rem_euclid for a positive divisor
    return v if fits_i64(v) else None


def to_time(dt: int) -> int:
    return dt % 86_400_000


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // b
    return q if a >= 0 else -q


def duration_to(unit_ms: int, dur: int) -> int:
    """toSeconds etc.: successive truncating divisions, as Cedar does them."""
    if unit_ms == 1:
        return dur
    steps = {1000: (1000,), 60_000: (1000, 60), 3_600_000: (1000, 60, 60), 86_400_000: (1000, 60, 60, 24)}
    v = dur
    for s in steps[unit_ms]:
        v = _trunc_div(v, s)
    return v


PARSERS = {
    "decimal": parse_decimal,
    "ip": parse_ip,
    "ipaddr": parse_ip,
    "datetime": parse_datetime,
    "duration": parse_duration,
}
