"""Placement engine: applicant-optimal stable placement with a published lottery and reserved seats.

API (no Django; see docs/placement.md):

    inst = load_instance(obj)        # decoded JSON -> Instance, or InstanceError naming the bad entry
    inst = load_instance_bytes(data) # the same from a file's bytes (compiled reader on large files)
    result = solve(inst)             # applicant-proposing deferred acceptance
    result.as_dict()                 # {"matching", "cutoffs", "explanations", "lottery_seed", "stats"}
    check(inst, result_or_dict)      # [] when valid and stable, else a list of problems
"""

from .check import check
from .model import Instance, InstanceError, instance_from_parts, load_instance, load_instance_bytes, lottery_number
from .solver import Result, solve, solve_reference

__all__ = [
    "Instance",
    "InstanceError",
    "Result",
    "check",
    "instance_from_parts",
    "load_instance",
    "load_instance_bytes",
    "lottery_number",
    "solve",
    "solve_reference",
]
