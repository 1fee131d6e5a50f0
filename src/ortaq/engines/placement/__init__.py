"""Placement engine: applicant-optimal stable placement with a published lottery and reserved seats.

API (no Django; see docs/placement.md):

    inst = load_instance(obj)        # decoded JSON -> Instance, or InstanceError naming the bad entry
    inst = load_instance_bytes(data) # the same from a file's bytes (compiled reader on large files)
    inst = instance_from_arrays(...) # the same from arrays an application already holds (no JSON)
    result = solve(inst)             # applicant-proposing deferred acceptance
    result.as_dict()                 # {"matching", "cutoffs", "explanations", "lottery_seed", "stats"}
    check(inst, result_or_dict)      # [] when valid and stable, else a list of problems
    single_lottery_positions(seed, ids), lottery_number(seed, id)   # the published lottery, redrawn
"""

from .check import check
from .from_arrays import instance_from_arrays
from .lottery import lottery_number, single_lottery_positions
from .model import Instance, InstanceError, instance_from_parts, load_instance, load_instance_bytes
from .solver import Result, solve, solve_reference

__all__ = [
    "Instance",
    "InstanceError",
    "Result",
    "check",
    "instance_from_arrays",
    "instance_from_parts",
    "load_instance",
    "load_instance_bytes",
    "lottery_number",
    "single_lottery_positions",
    "solve",
    "solve_reference",
]
