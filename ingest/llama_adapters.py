"""llama-index adapters over our own components, for comparisons with llama-index's defaults.

Framework types stay here: callers get plain functions that return our ``Chunk`` records. Nothing here reads or
sets ``llama_index.core.Settings``; the embedding model and callback manager are passed explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.callbacks import CallbackManager

from ingest.records import Chunk
from ingest.store import Store, node_to_chunk


class TextEmbedder(Protocol):
    """What the adapter needs from our embedder (``ingest.embedding.MiniLMEmbedder``)."""

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class PolicyDeskEmbedding(BaseEmbedding):
    """A llama-index ``BaseEmbedding`` over our embedder (the same model and vectors as our own retrieval)."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: TextEmbedder, **kwargs: Any) -> None:
        super().__init__(model_name="sentence-transformers/all-MiniLM-L6-v2", **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "PolicyDeskEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def default_vector_retriever(
    store: Store, embedder: TextEmbedder, *, k: int
) -> Callable[[str], list[tuple[Chunk, float]]]:
    """llama-index's default ``VectorStoreIndex`` retriever over our chunk collection, as a plain function.

    Returns:
        ``retrieve(query) -> [(chunk, score), ...]`` best first: the top ``k`` chunks by llama-index's own
        similarity, without our filters, committed-chunk check or deduplication (it is the baseline).
    """
    callbacks = CallbackManager([])
    embed_model = PolicyDeskEmbedding(embedder, callback_manager=callbacks)
    index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embed_model, callback_manager=callbacks)
    retriever = index.as_retriever(similarity_top_k=k)

    def retrieve(query: str) -> list[tuple[Chunk, float]]:
        return [(node_to_chunk(hit.node), float(hit.score or 0.0)) for hit in retriever.retrieve(query)]

    return retrieve
