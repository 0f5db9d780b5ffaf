"""A stand-in app worker for the multi-worker test: one Assistant in its own process, asked over stdin/stdout.

    python -m tests.assistant.worker INDEX_DIR CHROMA_URL PREFIX

Prints ``ready``, then for each question line one JSON line: the doc_ids of the retrieved passages, by signal.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant import Assistant
from ingest import Config


def main() -> None:
    index_dir, chroma_url, prefix = sys.argv[1:4]
    assistant = Assistant(Config(index_dir=Path(index_dir), chroma_url=chroma_url, collection_prefix=prefix))
    print("ready", flush=True)
    for line in sys.stdin:
        answer = assistant.ask(line.strip())
        keyword = [p.chunk.doc_id for p in answer.retrieved if p.keyword_score is not None]
        dense = [p.chunk.doc_id for p in answer.retrieved if p.dense_score is not None]
        print(json.dumps({"retrieved": [p.chunk.doc_id for p in answer.retrieved], "keyword": keyword, "dense": dense}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
