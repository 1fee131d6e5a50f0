"""Mobility state: calls up to the nomination (calls.py), then the mobility itself (learning.py); nominations
received from other nodes (remote.py)."""

from .calls import *  # noqa: F401,F403
from .learning import *  # noqa: F401,F403
from .placement import *  # noqa: F401,F403
from .remote import *  # noqa: F401,F403
