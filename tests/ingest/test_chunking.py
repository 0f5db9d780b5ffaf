"""Chunking: exact offsets into the cleaned page, one page per chunk, deterministic ids, model-sized chunks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ingest.chunking import MAX_EMBED_WORDPIECES, embedding_text, split_document, split_sentences
from ingest.cleaning import clean_document
from ingest.loading import load_document
from ingest.records import Document, Page

LONG_TITLE = " ".join(["Regional innovation ecosystems and interregional cooperation for smart specialisation"] * 12)


def _brief(corpus: Path) -> Document:
    return load_document(corpus / "briefs" / "test-brief.pdf", "briefs/test-brief")


def _split(document: Document, embedder, *, chunk_tokens: int = 200, chunk_overlap: int = 30):
    pages = clean_document(document)
    chunks = split_document(
        document,
        pages,
        chunk_tokens=chunk_tokens,
        chunk_overlap=chunk_overlap,
        count_wordpieces=embedder.count_wordpieces,
    )
    return pages, chunks


@pytest.mark.parametrize("chunk_tokens", [200, 40])
def test_offsets_slice_the_page_and_no_chunk_spans_two_pages(corpus: Path, embedder, chunk_tokens: int) -> None:
    pages, chunks = _split(_brief(corpus), embedder, chunk_tokens=chunk_tokens, chunk_overlap=8)
    by_number = {page.number: page for page in pages}
    assert {chunk.page for chunk in chunks} == {1, 2, 3}
    for chunk in chunks:
        page = by_number[chunk.page]
        assert 0 <= chunk.start < chunk.end <= len(page.text)
        assert page.text[chunk.start : chunk.end] == chunk.text
    if chunk_tokens == 40:
        assert len(chunks) > len(pages)  # small chunks: several per page


@pytest.mark.parametrize("chunk_tokens", [200, 40])
def test_chunks_cover_every_word_of_every_page(corpus: Path, embedder, chunk_tokens: int) -> None:
    pages, chunks = _split(_brief(corpus), embedder, chunk_tokens=chunk_tokens, chunk_overlap=0)
    for page in pages:
        covered = [False] * len(page.text)
        for chunk in (c for c in chunks if c.page == page.number):
            covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
        missed = "".join(ch for ch, hit in zip(page.text, covered, strict=True) if not hit)
        assert not missed.strip(), f"page {page.number}: text left out of every chunk: {missed!r}"


def test_chunk_ids_are_deterministic_and_unique(corpus: Path, embedder) -> None:
    document = _brief(corpus)
    _, first = _split(document, embedder, chunk_tokens=40)
    _, again = _split(
        load_document(corpus / "briefs" / "test-brief.pdf", "briefs/test-brief"), embedder, chunk_tokens=40
    )
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
    _, changed = _split(dataclasses.replace(document, content_hash="other"), embedder, chunk_tokens=40)
    assert not {c.chunk_id for c in changed} & {c.chunk_id for c in first}


def test_chunks_carry_section_and_document_fields(corpus: Path, embedder) -> None:
    document = load_document(corpus / "good_practices" / "alpine-cluster-voucher.md", "good_practices/alpine")
    _, chunks = _split(document, embedder)
    (chunk,) = chunks
    assert (chunk.doc_id, chunk.page, chunk.section, chunk.title) == (
        "good_practices/alpine",
        None,
        "Alpine Cluster Voucher",
        "Alpine Cluster Voucher",
    )
    assert (chunk.doc_type, chunk.source_path, chunk.content_hash) == (
        "good_practice",
        document.source_path,
        document.content_hash,
    )
    assert chunk.metadata["themes"] == ("innovation vouchers", "SMEs")
    _, brief_chunks = _split(_brief(corpus), embedder)
    assert [c.section for c in brief_chunks if c.page == 3] == [
        "Policy recommendation 2. Fund innovation vouchers for small firms"
    ]


def test_embedding_text_fits_the_model_even_with_a_long_title(corpus: Path, embedder) -> None:
    document = dataclasses.replace(_brief(corpus), title=LONG_TITLE)
    assert embedder.count_wordpieces(LONG_TITLE) > 120
    pages, chunks = _split(document, embedder, chunk_tokens=200)
    sizes = [embedder.count_wordpieces(embedding_text(chunk)) for chunk in chunks]
    assert max(sizes) <= MAX_EMBED_WORDPIECES, sizes
    assert len(chunks) > len(pages)  # the long header forced smaller chunks
    for chunk in chunks:
        assert pages[chunk.page - 1].text[chunk.start : chunk.end] == chunk.text
        assert embedding_text(chunk).startswith(LONG_TITLE + "\n")


def test_long_page_is_split_into_model_sized_chunks(embedder) -> None:
    text = " ".join(f"Sentence number {n} says that regional clusters help small firms innovate." for n in range(200))
    document = Document("d", "Title", "document", "d.txt", "h", (Page(number=None, text=text),))
    pages, chunks = _split(document, embedder, chunk_tokens=200, chunk_overlap=30)
    assert len(chunks) > 5
    assert all(embedder.count_wordpieces(embedding_text(c)) <= MAX_EMBED_WORDPIECES for c in chunks)
    assert all(pages[0].text[c.start : c.end] == c.text for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


def test_empty_page_gives_no_chunks(embedder) -> None:
    document = Document("d", "T", "brief", "d.pdf", "h", (Page(1, "Some real text here."), Page(2, "")))
    _, chunks = _split(document, embedder)
    assert [c.page for c in chunks] == [1]


def test_sentence_offsets_slice_the_chunk_text(corpus: Path, embedder) -> None:
    _, chunks = _split(_brief(corpus), embedder, chunk_tokens=200)
    for chunk in chunks:
        sentences = split_sentences(chunk)
        assert sentences
        assert [s.sentence_id for s in sentences] == [f"{chunk.chunk_id}:{i}" for i in range(len(sentences))]
        for sentence in sentences:
            assert sentence.chunk_id == chunk.chunk_id
            assert chunk.text[sentence.start : sentence.end] == sentence.text
        starts = [s.start for s in sentences]
        assert starts == sorted(starts)
    texts = [s.text for s in split_sentences(chunks[0])]
    assert "Cluster managers in the pilot regions spent €60,000 on joint training for their members." in texts


ABBREVIATED = (
    "Cluster governance represents the interests of its stakeholders (e.g. universities, large companies and SMEs, "
    "i.e. the whole regional ecosystem). "
)


def test_sentences_and_chunks_do_not_end_at_an_abbreviation(embedder) -> None:
    """Bug: llama-index's untrained punkt ended sentences (and chunks) after "e.g.", so the stakeholders the
    sentence lists were cut off from it and lost to the answer."""
    text = " ".join(f"Sentence {n} is about something else entirely, in the region." for n in range(40)) + " "
    document = Document("d", "T", "brief", "d.txt", "h", (Page(number=None, text=(text + ABBREVIATED) * 3),))
    _, chunks = _split(document, embedder, chunk_tokens=60, chunk_overlap=10)
    sentences = [s.text for c in chunks for s in split_sentences(c)]

    assert ABBREVIATED.strip() in sentences
    assert not any(s.endswith(("e.g.", "i.e.")) for s in sentences)
    assert not any(c.text.rstrip().endswith(("e.g.", "i.e.")) for c in chunks)
