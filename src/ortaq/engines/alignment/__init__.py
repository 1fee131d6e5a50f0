"""Learning-outcome alignment engine (pure Python + numpy; no Django).

Proposes, with evidence, which home modules, professional-standard units or internship tasks match the
learning outcomes of a module studied abroad (kk, ru, zh, en). People decide. See docs/alignment.md.

    from ortaq.engines.alignment import Outcome, align, compare_modules, get_backend
"""

from .backends import (
    BACKEND_NAMES,
    DEFAULT_CACHE,
    Backend,
    BackendUnavailable,
    DenseBackend,
    E5Backend,
    FusedBackend,
    LexicalBackend,
    LocalModelBackend,
    get_backend,
)
from .cache import EmbedCache
from .engine import COVERED, EXPLANATIONS, align, compare_modules, module_proposal, recommend_offers
from .model import (
    LANGS,
    AlignmentInputError,
    Match,
    ModuleProposal,
    Outcome,
    OutcomePair,
)
from .search import top_k_rows, top_k_similar

__all__ = [
    "BACKEND_NAMES", "COVERED", "DEFAULT_CACHE", "EXPLANATIONS", "LANGS", "AlignmentInputError", "Backend", "BackendUnavailable",
    "DenseBackend", "E5Backend", "EmbedCache", "FusedBackend", "LexicalBackend", "LocalModelBackend", "Match",
    "ModuleProposal", "Outcome", "OutcomePair", "align", "compare_modules", "get_backend", "module_proposal",
    "recommend_offers",
    "top_k_rows", "top_k_similar",
]
