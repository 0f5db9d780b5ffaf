"""Split cleaned pages into token-sized chunks (llama-index's SentenceSplitter, tiktoken counts) and chunks into
sentences (punkt spans), with character offsets so every citation can point at its exact text."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import tiktoken

from ingest.records import Chunk, CleanPage, Document, Sentence, sentence_id

if TYPE_CHECKING:
    from llama_index.core.node_parser import SentenceSplitter
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# The embedding model reads at most this many word-pieces; longer input is silently truncated.
MAX_EMBED_WORDPIECES = 256
MIN_CHUNK_TOKENS = 32
CONTEXT_FIELDS = ("project", "region", "country", "organisation", "themes")
NOT_STATED = "not stated"
TIKTOKEN_ENCODING = "cl100k_base"


def split_document(
    document: Document,
    pages: tuple[CleanPage, ...],
    *,
    chunk_tokens: int,
    chunk_overlap: int,
    count_wordpieces: Callable[[str], int],
) -> list[Chunk]:
    """Chunk every page of one document; no chunk spans two pages or two documents.

    A chunk whose embedding text (its context header included) would exceed the model's word-piece limit is
    split again with a smaller size, so no text goes unembedded.
    """
    chunks: list[Chunk] = []
    for page in pages:
        for start, end in _spans(page.text, chunk_tokens, chunk_overlap):
            section = _section_at(page, start)
            header = context_header(document.title, section, document.metadata)
            for s, e in _fit(page.text, start, end, header, chunk_tokens, count_wordpieces):
                chunks.append(_make_chunk(document, page, s, e, section, position=len(chunks)))
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What the model embeds for a chunk: title, section and record fields give the passage its context."""
    return "\n".join(part for part in (context_header(chunk.title, chunk.section, chunk.metadata), chunk.text) if part)


def context_header(title: str, section: str | None, metadata: Mapping[str, Any]) -> str:
    """Title, section and the good-practice fields, as embedded and keyword-indexed with every chunk.

    The fields ("Country: Spain") let "which good practices come from Spain?" find records whose text never
    names the country.
    """
    fields = "; ".join(
        f"{name.capitalize()}: {', '.join(value) if isinstance(value, tuple | list) else value}"
        for name in CONTEXT_FIELDS
        if (value := metadata.get(name)) and value != NOT_STATED
    )
    return "\n".join(part for part in (title, section, fields) if part)


def split_sentences(chunk: Chunk) -> list[Sentence]:
    """The sentences of a chunk (headings and list items count as sentences), with offsets into its text."""
    sentences: list[Sentence] = []
    for start, end in sentence_spans(chunk.text):
        sentences.append(
            Sentence(sentence_id(chunk.chunk_id, len(sentences)), chunk.chunk_id, chunk.text[start:end], start, end)
        )
    return sentences


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence: paragraphs first, then punkt within each paragraph."""
    for paragraph in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        for start, end in _punkt().span_tokenize(paragraph.group()):
            piece = paragraph.group()[start:end]
            if piece.strip():
                yield paragraph.start() + start, paragraph.start() + end


def _spans(text: str, chunk_tokens: int, chunk_overlap: int) -> list[tuple[int, int]]:
    if not text.strip():
        return []
    splitter = _splitter(chunk_tokens, chunk_overlap)
    spans, cursor = [], 0
    for piece in splitter.split_text(text):
        start, end = _locate(text, piece, cursor)
        spans.append((start, end))
        cursor = start + 1
    return spans


def _splitter(chunk_tokens: int, chunk_overlap: int) -> SentenceSplitter:
    from llama_index.core.node_parser import SentenceSplitter  # imported late: a no-op ingest never needs it
    from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer_internal

    return SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=min(chunk_overlap, chunk_tokens // 2),
        tokenizer=_count_tokens_encoder(),
        paragraph_separator="\n\n",
        # Chunks end where sentences end, by the same punkt (and abbreviations) as the sentences inside them.
        chunking_tokenizer_fn=lambda text: split_by_sentence_tokenizer_internal(text, _punkt()),
    )


# Abbreviations punkt must not end a sentence at (lower-case, without the final period). llama-index's punkt is
# untrained and knows none, so "(e.g. universities and research institutes, …)" was cut after "e.g." and the
# sentence's facts were lost to the answer.
ABBREVIATIONS = frozenset(
    """e.g i.e etc cf vs approx incl excl ca al no nr art fig figs p pp vol ed eds dr mr mrs ms prof st dept govt inc
    ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec""".split()  # noqa: SIM905 - a word list
)


@functools.cache
def _punkt() -> PunktSentenceTokenizer:
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    parameters = PunktParameters()
    parameters.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(parameters)


@functools.cache
def _count_tokens_encoder() -> Callable[[str], list[int]]:
    # cl100k_base from the offline cache that ingest.offline points TIKTOKEN_CACHE_DIR at.
    return tiktoken.get_encoding(TIKTOKEN_ENCODING).encode


def _locate(text: str, piece: str, cursor: int) -> tuple[int, int]:
    """Where the splitter's output lies in the page text (it may have normalised whitespace)."""
    found = text.find(piece, cursor)
    if found < 0:
        found = text.find(piece)
    if found >= 0:
        return found, found + len(piece)
    words = piece.split()
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.compile(pattern).search(text, max(0, cursor - 1)) or re.compile(pattern).search(text)
    if match is None:  # cannot happen unless the splitter rewrites words; fail loudly rather than mis-cite
        raise ValueError(f"chunk text not found in its page: {piece[:60]!r}")
    return match.start(), match.end()


def _fit(
    text: str,
    start: int,
    end: int,
    header: str,
    chunk_tokens: int,
    count_wordpieces: Callable[[str], int],
) -> list[tuple[int, int]]:
    if count_wordpieces(f"{header}\n{text[start:end]}") <= MAX_EMBED_WORDPIECES or chunk_tokens <= MIN_CHUNK_TOKENS:
        return [(start, end)]
    smaller = max(MIN_CHUNK_TOKENS, int(chunk_tokens * 0.75))
    fitted = []
    for s, e in _spans(text[start:end], smaller, smaller // 8):
        fitted.extend(_fit(text, start + s, start + e, header, smaller, count_wordpieces))
    return fitted


def _section_at(page: CleanPage, offset: int) -> str | None:
    current = None
    for section in page.sections:
        if section.start <= offset:
            current = section.title
    return current


def _make_chunk(
    document: Document, page: CleanPage, start: int, end: int, section: str | None, *, position: int
) -> Chunk:
    key = f"{document.doc_id}|{document.content_hash}|{page.number}|{position}|{start}"
    return Chunk(
        chunk_id=hashlib.sha1(key.encode()).hexdigest()[:20],
        doc_id=document.doc_id,
        text=page.text[start:end],
        page=page.number,
        section=section,
        start=start,
        end=end,
        title=document.title,
        doc_type=document.doc_type,
        source_path=document.source_path,
        content_hash=document.content_hash,
        metadata=dict(document.metadata),
    )
