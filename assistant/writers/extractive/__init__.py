"""The extractive writer: the corpus's own sentences, picked and ordered (instant, offline, the default)."""

from assistant.writers.extractive.writer import ExtractiveWriter, SentenceSource, WriterSettings, is_quotable

__all__ = ["ExtractiveWriter", "SentenceSource", "WriterSettings", "is_quotable"]
