"""enduse: weapons end-use policies as Cedar policy-as-code.

For a use of a weapon — hypothetical or reported — enduse answers whether it
was allowed under the policy version in force that day, which clause decided
it, and which source says so.
"""

from enduse.api import check, load_pack, load_pack_dir
from enduse.decisions import Decision, Verdict
from enduse.uses import Use, parse_use

__all__ = ["Decision", "Use", "Verdict", "check", "load_pack", "load_pack_dir", "parse_use"]
