"""The keyword (BM25, stemmed) index over the committed chunks, persisted next to the Chroma index.

It is derived data: rebuilt from the store whenever its stamp disagrees with the committed registry, so the
embedded and the server deployments share one code path and it can never disagree with Chroma for long. The
stamp fingerprints what the build actually read (each document's version and chunk count), so a document
committed by a concurrent ingest during a build is never stamped as indexed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.records import Chunk, IndexedDocument
from ingest.store import Store, chunk_to_node, entry_to_chunk, node_to_chunk

# llama-index's BM25 retriever is imported where it is used: an ingest with nothing to do never loads it.
if TYPE_CHECKING:
    from llama_index.retrievers.bm25 import BM25Retriever

logger = logging.getLogger(__name__)

STAMP_FILE = "policydesk_stamp.json"
DOC_IDS_FILE = "policydesk_doc_ids.npy"
CORPUS_FILE = "corpus.jsonl"  # written by bm25s  # the document of each corpus row, in corpus order
SPOOL_FILE = ".corpus-rows.jsonl"  # the corpus rows while the index is built (removed before it is swapped in)
# BM25Retriever's defaults (language, token pattern), which _persist_bm25 builds with.
BM25_LANGUAGE = "en"
BM25_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


class KeywordIndex:
    """BM25 with an English Snowball stemmer (bm25s + PyStemmer through llama-index's BM25Retriever).

    Loaded memory-mapped: the score matrix and the corpus stay on disk until a query touches them, so opening a
    100k-chunk index takes a fraction of a second; ``doc_ids`` (one per corpus row, saved beside the index)
    turns a document filter into a weight mask without decoding the corpus.
    """

    def __init__(self, retriever: BM25Retriever | None, size: int, doc_ids: np.ndarray | None = None) -> None:
        self._retriever = retriever
        self.size = size
        self._doc_ids = doc_ids
        self._rows_by_doc: dict[str, np.ndarray] | None = None  # doc_id -> its corpus rows, built on first use
        # The memory-mapped corpus reads a row by seek + readline on one shared mmap: one reader at a time.
        self._lock = threading.Lock()

    @property
    def vocabulary(self) -> Collection[str]:
        """The indexed stems (English Snowball, stop words removed): what the corpus's words are."""
        return self._retriever.bm25.vocab_dict if self._retriever is not None else ()

    def search(self, query: str, k: int, *, doc_ids: Iterable[str] | None = None) -> list[tuple[Chunk, float]]:
        """The ``k`` best-scoring chunks for ``query`` (BM25 scores), optionally within ``doc_ids``."""
        if self._retriever is None or not query.strip():
            return []
        mask = None
        if doc_ids is not None:
            allowed = list(doc_ids)
            if not allowed:
                return []
            mask = self._mask(allowed)
            if not mask.any():
                return []
        from llama_index.core.schema import QueryBundle

        # A retriever per query: the mask and k are per-query state, and one shared object is not thread-safe.
        retriever = _bm25_class()(
            existing_bm25=self._retriever.bm25,
            similarity_top_k=min(k, self.size),
            corpus_weight_mask=None if mask is None else mask.astype(int).tolist(),
            skip_stemming=False,
        )
        with self._lock:
            hits = retriever.retrieve(QueryBundle(query))
        return [(node_to_chunk(hit.node), float(hit.score or 0.0)) for hit in hits if (hit.score or 0) > 0]

    def document_chunks(self, doc_id: str) -> list[Chunk] | None:
        """One document's chunks, read from the memory-mapped corpus (its rows found in ``doc_ids``), or None when
        this index cannot say (no index, or one persisted before doc_ids.npy).

        Why not the store: at 100k chunks Chroma's metadata filter costs 25-45 ms per document, the corpus rows
        under 5 ms, and the structure index reads every document a question retrieves.
        """
        if self._retriever is None or self._doc_ids is None:
            return None
        corpus = self._retriever.corpus or []
        with self._lock:
            entries = [corpus[int(row)] for row in self._rows_of(doc_id)]
        return [entry_to_chunk(entry) for entry in entries]

    def _rows_of(self, doc_id: str) -> np.ndarray:
        """The corpus rows of one document; the grouping is computed once (one sort of ``doc_ids``), not as a
        comparison against every row per call. Called under the lock."""
        if self._rows_by_doc is None:
            assert self._doc_ids is not None
            order = np.argsort(self._doc_ids, kind="stable")
            names, starts = np.unique(self._doc_ids[order], return_index=True)
            groups = np.split(order, starts[1:]) if len(order) else []
            self._rows_by_doc = dict(zip(names.tolist(), groups, strict=True))
        return self._rows_by_doc.get(doc_id, np.empty(0, dtype=np.int64))

    def _mask(self, allowed: list[str]) -> np.ndarray:
        """1 for the corpus rows of the ``allowed`` documents (a numpy test, not a pass over the corpus)."""
        if self._doc_ids is None:  # an index persisted before doc_ids.npy: read them from the corpus once
            assert self._retriever is not None
            corpus = self._retriever.corpus or []
            with self._lock:
                self._doc_ids = np.asarray([str(corpus[row].get("doc_id", "")) for row in range(len(corpus))])
        return np.isin(self._doc_ids, np.asarray(allowed))


class IndexedChunks:
    """Where the structure index reads a document's chunks: the keyword index's corpus (built with it from one
    registry state), else the store (a document that index does not hold)."""

    def __init__(self, keyword_index: KeywordIndex, store: Store) -> None:
        self.keyword_index = keyword_index
        self.store = store

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        return self.keyword_index.document_chunks(doc_id) or self.store.document_chunks(doc_id)

    def chunks_of_type(self, doc_type: str) -> list[Chunk]:
        """The chunks of every document of one type, read document by document (the registry says which): at 100k
        chunks reading them all to keep the records took seconds."""
        documents = self.store.documents().values()
        return [chunk for doc in documents if doc.doc_type == doc_type for chunk in self.document_chunks(doc.doc_id)]


def registry_stamp(documents: Iterable[IndexedDocument]) -> str:
    """A fingerprint of the committed documents (version and chunk count); the keyword index is current when
    the stamp it was built with matches."""
    return _stamp({doc.doc_id: (doc.content_hash, doc.chunks) for doc in documents})


def contents_stamp(documents: Mapping[str, IndexedDocument], chunk_counts: Mapping[str, int]) -> str:
    """The stamp of what was actually read: each document of the registry snapshot with the number of chunks
    found for it (``chunk_counts``, by doc_id).

    It equals ``registry_stamp`` only when every committed chunk was read; a document committed or replaced
    while the chunks were read, or a document with missing chunk records, makes the two differ.
    """
    return _stamp({doc_id: (doc.content_hash, chunk_counts.get(doc_id, 0)) for doc_id, doc in documents.items()})


def _stamp(versions: Mapping[str, tuple[str, int]]) -> str:
    lines = sorted(f"{doc_id}:{content_hash}:{count}" for doc_id, (content_hash, count) in versions.items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def keyword_index_dir(store: Store) -> Path:
    """Where the keyword index of this store's corpus is kept (always local: it is cheap to rebuild)."""
    return store.config.index_dir / f"bm25_{store.config.collection_prefix}"


def ensure_keyword_index(store: Store) -> None:
    """Rebuild the persisted keyword index if the registry changed since it was built (without loading it)."""
    if read_stamp(keyword_index_dir(store)).get("stamp") != registry_stamp(store.documents().values()):
        build_keyword_index(store)


def load_keyword_index(store: Store, *, rebuild: bool = False) -> KeywordIndex:
    """Load the persisted keyword index; rebuild (and persist) it when it is missing, unreadable or stale.

    Stale means its stamp disagrees with the committed registry (a document added, replaced or removed since,
    or the build read a different state than it stamped), or it holds another number of chunks than its stamp.
    """
    if not rebuild:
        directory = keyword_index_dir(store)
        retriever = _load_current(directory, registry_stamp(store.documents().values()))
        if retriever is not None:
            return KeywordIndex(retriever, len(retriever.corpus or []), _read_doc_ids(directory))
    return build_keyword_index(store)


def build_keyword_index(store: Store) -> KeywordIndex:
    """Rebuild the keyword index from the store's committed chunks and persist it atomically.

    The stamp is computed from the registry snapshot and the chunks actually read, never re-read afterwards:
    a document committed meanwhile is then not claimed as indexed, and the next load rebuilds.
    """
    documents = store.documents()
    directory = keyword_index_dir(store)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".bm25-", dir=directory.parent))
    doc_ids = _persist_bm25(store.committed_chunk_pages(documents), staging)
    counts = Counter(doc_ids)
    stamp = contents_stamp(documents, counts)
    if stamp != registry_stamp(documents.values()):
        logger.warning(
            "the keyword index was built from %d chunks, but the registry counts %d; run `policydesk check`",
            len(doc_ids),
            sum(doc.chunks for doc in documents.values()),
        )
    if not doc_ids:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(directory, ignore_errors=True)  # nothing to index: leave no stale index behind
        return KeywordIndex(None, 0)
    versions = {doc_id: [doc.content_hash, counts[doc_id]] for doc_id, doc in sorted(documents.items())}
    # Loaded memory-mapped, the corpus is read lazily: its size tells a replaced or cut file at load time.
    corpus_bytes = (staging / CORPUS_FILE).stat().st_size
    info = {"stamp": stamp, "chunks": len(doc_ids), "documents": versions, "corpus_bytes": corpus_bytes}
    (staging / STAMP_FILE).write_text(json.dumps(info), encoding="utf-8")
    np.save(staging / DOC_IDS_FILE, np.asarray(doc_ids))
    # Swap directories so a reader never sees half an index.
    old = directory.with_name(directory.name + ".old")
    try:
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        staging.rename(directory)
    except OSError as exc:  # another process (an app worker, an ingest) swapped its build in at the same moment
        logger.info("keyword index at %s not replaced (%s); using this build in memory", directory, exc)
        retriever = _bm25_class().from_persist_dir(str(staging), show_progress=False)  # no mmap: staging goes
        shutil.rmtree(staging, ignore_errors=True)
        return KeywordIndex(retriever, len(doc_ids), np.asarray(doc_ids))
    shutil.rmtree(old, ignore_errors=True)
    retriever = _bm25_class().from_persist_dir(str(directory), show_progress=False, mmap=True)
    return KeywordIndex(retriever, len(doc_ids), _read_doc_ids(directory))


def _persist_bm25(pages: Iterable[list[Chunk]], staging: Path) -> list[str]:
    """Persist in ``staging`` the files ``BM25Retriever.from_defaults(nodes=...).persist()`` writes for these
    chunks (same corpus rows, tokens and scores); returns each corpus row's doc_id (none: nothing persisted).

    from_defaults needs every chunk's node at once, and the build held the chunks, the nodes, their texts and
    the corpus rows together (at 20,000 chunks, 33 + 48 + 19 + 54 MB of Python objects). Here each page of
    chunks becomes token ids and a spooled corpus row as it is read; only the token ids are held.
    """
    import bm25s
    import Stemmer

    corpus = _SpooledCorpus(staging / SPOOL_FILE)
    tokens = bm25s.tokenize(
        corpus.texts(pages),
        stopwords=BM25_LANGUAGE,
        stemmer=Stemmer.Stemmer("english"),
        token_pattern=BM25_TOKEN_PATTERN,
        show_progress=False,
    )
    if corpus.doc_ids:
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        del tokens
        retriever = _bm25_class()(existing_bm25=bm25, similarity_top_k=1)
        retriever.corpus = corpus  # type: ignore[assignment]  # persist() only iterates it, once
        retriever.persist(str(staging), show_progress=False)
    corpus.remove()
    return corpus.doc_ids


class _SpooledCorpus:
    """The corpus rows of the chunks (``node_to_metadata_dict`` of each chunk's node, as BM25Retriever keeps
    them), spooled to a file while the chunks' texts stream to the tokenizer and read back one at a time when
    bm25s saves them, and their doc_ids."""

    def __init__(self, spool: Path) -> None:
        self._spool = spool
        self.doc_ids: list[str] = []

    def texts(self, pages: Iterable[list[Chunk]]) -> Iterator[str]:
        """The text BM25 indexes of each chunk (its node's content with the keyword-visible metadata)."""
        from llama_index.core.schema import MetadataMode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        with self._spool.open("w", encoding="utf-8") as spool:
            for page in pages:
                for chunk in page:
                    node = chunk_to_node(chunk)
                    spool.write(json.dumps(node_to_metadata_dict(node) | {"node_id": node.node_id}) + "\n")
                    self.doc_ids.append(chunk.doc_id)
                    yield node.get_content(metadata_mode=MetadataMode.EMBED)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with self._spool.open(encoding="utf-8") as spool:
            for line in spool:
                yield json.loads(line)

    def remove(self) -> None:
        self._spool.unlink(missing_ok=True)


def persisted_chunks(store: Store) -> list[Chunk] | None:
    """The chunks the persisted keyword index holds, or None when there is none or it is unreadable."""
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    try:
        retriever = _bm25_class().from_persist_dir(str(keyword_index_dir(store)), show_progress=False)
        return [node_to_chunk(metadata_dict_to_node(entry)) for entry in retriever.corpus or []]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.info("keyword index unreadable: %s", exc)
        return None


def _load_current(directory: Path, expected: str) -> BM25Retriever | None:
    info = read_stamp(directory)
    if info.get("stamp") != expected:
        return None
    try:
        retriever = _bm25_class().from_persist_dir(str(directory), show_progress=False, mmap=True)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("keyword index at %s unreadable (%s); rebuilding", directory, exc)
        return None
    if len(retriever.corpus or []) != info.get("chunks") or not _corpus_readable(directory, retriever, info):
        logger.warning("keyword index at %s does not hold the chunks of its stamp; rebuilding", directory)
        return None
    return retriever


def _corpus_readable(directory: Path, retriever: BM25Retriever, info: dict[str, Any]) -> bool:
    """The corpus file is the one the stamp describes (its size) and its first and last rows decode."""
    try:
        recorded = info.get("corpus_bytes")  # None: persisted before it was recorded (the rows are still checked)
        if recorded is not None and (directory / CORPUS_FILE).stat().st_size != recorded:
            return False
        corpus = retriever.corpus
        return bool(corpus is not None and len(corpus) and corpus[0]["node_id"] and corpus[len(corpus) - 1]["node_id"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False


def _bm25_class() -> type[BM25Retriever]:
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s forces DEBUG on its logger when imported
    return BM25Retriever


def _read_doc_ids(directory: Path) -> np.ndarray | None:
    try:
        return np.load(directory / DOC_IDS_FILE, allow_pickle=False)
    except (OSError, ValueError):
        return None


def read_stamp(directory: Path) -> dict[str, Any]:
    """The stamp file of a persisted keyword index (``stamp``, ``chunks``, ``documents``), or {} if none."""
    try:
        info = json.loads((directory / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}
