"""Who may do what, by role: the duties drp's commands need.

- desk: an officer's own work (the workstation, their own queue, calls, write-off requests).
  Every officer role, not a service login.
- batch: the nightly and bulk jobs (arrangements check, queue rescore, imports, exports,
  reports): supervisors and above, or a service login a supervisor named for them.
- supervise: the team's work (allocation, adding and changing officers, another officer's
  queue): supervisors and above.
"""

from __future__ import annotations

from typing import Literal

from drp_tui.domain.writeoff import ROLES, role_rank

SERVICE = "service"
# Every role an officer record may have: the approval roles, then the nightly jobs' login.
OFFICER_ROLES = (*ROLES, SERVICE)
Duty = Literal["desk", "batch", "supervise"]
WHO: dict[Duty, str] = {
    "desk": "officers (not a service login)",
    "batch": "supervisors or the nightly service login",
    "supervise": "supervisors",
}


def may(role: str, duty: Duty) -> bool:
    """Whether an officer with `role` may do work needing `duty`."""
    supervisor = role in ROLES and role_rank(role) >= role_rank("supervisor")
    if duty == "desk":
        return role in ROLES
    if duty == "batch":
        return supervisor or role == SERVICE
    return supervisor
