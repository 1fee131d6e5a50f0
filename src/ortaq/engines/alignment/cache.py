"""Embedding cache keyed by (model version, text): in memory, optionally mirrored to a directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


class EmbedCache:
    """LRU cache of embedding vectors.

    The key includes the model version string, so changing the model (or the prefix or language policy
    that is part of the version) never serves a stale vector. With ``directory`` set, vectors are also
    written as ``<directory>/<sha256(version)[:16]>/<sha256(text)>.npy`` and read back by later processes.
    """

    def __init__(self, max_items: int = 200_000, directory: str | os.PathLike[str] | None = None) -> None:
        self.max_items = max_items
        self.directory = Path(directory) if directory else None
        self._mem: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._mem)

    def clear(self) -> None:
        self._mem.clear()

    def _path(self, version: str, text: str) -> Path:
        assert self.directory is not None
        v = hashlib.sha256(version.encode()).hexdigest()[:16]
        t = hashlib.sha256(text.encode()).hexdigest()
        return self.directory / v / f"{t}.npy"

    def get(self, version: str, text: str) -> np.ndarray | None:
        key = (version, text)
        vec = self._mem.get(key)
        if vec is not None:
            self._mem.move_to_end(key)
            return vec
        if self.directory is not None:
            path = self._path(version, text)
            if path.exists():
                try:
                    vec = np.load(path, allow_pickle=False)
                except (OSError, ValueError):
                    return None
                self._remember(key, vec)
                return vec
        return None

    def put(self, version: str, text: str, vec: np.ndarray) -> None:
        vec = np.asarray(vec, dtype=np.float32)
        self._remember((version, text), vec)
        if self.directory is not None:
            path = self._path(version, text)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, vec, allow_pickle=False)
            os.replace(tmp, path)

    def _remember(self, key: tuple[str, str], vec: np.ndarray) -> None:
        self._mem[key] = vec
        self._mem.move_to_end(key)
        while len(self._mem) > self.max_items:
            self._mem.popitem(last=False)

    def embed(self, version: str, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray],
              batch: int = 256) -> np.ndarray:
        """Vectors for ``texts``, encoding only the ones not cached (each distinct text once)."""
        found: dict[str, np.ndarray] = {}
        todo: list[str] = []
        pending: set[str] = set()
        for text in texts:
            if text in found or text in pending:
                continue
            vec = self.get(version, text)
            if vec is None:
                todo.append(text)
                pending.add(text)
            else:
                found[text] = vec
        self.hits += len(texts) - len(todo)  # repeats of a text count as hits
        self.misses += len(todo)
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            vecs = np.asarray(encode(chunk), dtype=np.float32)
            for text, vec in zip(chunk, vecs, strict=True):
                self.put(version, text, vec)
                found[text] = vec
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[t] for t in texts])
