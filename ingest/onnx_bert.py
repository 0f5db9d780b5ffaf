"""Build an ONNX graph for a BERT sentence encoder straight from safetensors weights.

We write the graph by hand with the ``onnx`` helper API instead of exporting it with
torch: the product must not need torch (1.8 GB, slow import) nor a model hub at run
time. The graph ends in mean pooling and L2 normalisation, so it returns
sentence-transformers style embeddings directly.

Two flavours are built:

* ``fused=True`` (shipped): onnxruntime's CPU contrib ops (EmbedLayerNormalization,
  Attention, SkipLayerNormalization, BiasGelu). They avoid most reshapes/transposes
  and run the attention in one kernel, which is what makes CPU inference fast.
* ``fused=False``: standard ONNX ops only, a plain export used as a benchmark baseline
  and as a portable fallback.

``int8=True`` (fused only) runs the three dense projections of every layer (attention output, FFN in, FFN
out: two thirds of the FLOPs) as int8 matrix products, with each weight column and each token's activations
scaled on their own. onnxruntime's ``quantize_dynamic`` scales a whole activation tensor by one number, and
BERT's outlier channels then cost accuracy (worst cosine to fp32 0.956 over real texts); per-token scales keep
it at 0.99 and need no calibration data. The attention's own QKV projection stays fp32: quantising it cost
more accuracy (0.979) than it saved time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Whenever the graph produced below (or its int8 quantisation) changes, bump ingest.embedding.GRAPH_VERSION (part of
# the cache file name; kept there so that starting an embedder with a cached graph never imports onnx).
_MS = "com.microsoft"
_OPSET = 21  # LayerNormalization needs 17, ReduceL2's axes input 18, QuantizeLinear's per-token blocks 21


@dataclass(frozen=True)
class BertConfig:
    """The few hyper-parameters the graph needs (from a Hugging Face config.json)."""

    layers: int = 6
    hidden: int = 384
    heads: int = 12
    eps: float = 1e-12

    @classmethod
    def from_json(cls, path: Path) -> BertConfig:
        """Read a Hugging Face BERT ``config.json``."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {raw['hidden_act']!r}")
        return cls(
            layers=raw["num_hidden_layers"],
            hidden=raw["hidden_size"],
            heads=raw["num_attention_heads"],
            eps=raw["layer_norm_eps"],
        )


class _Graph:
    """Small accumulator of nodes and initialisers with unique names."""

    def __init__(self, weights: Mapping[str, np.ndarray], *, int8: bool = False) -> None:
        self.weights = weights
        self.int8 = int8
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._count = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def w(self, key: str, transpose: bool = False) -> str:
        """Add safetensors tensor ``key`` (optionally transposed for x @ W.T)."""
        value = self.weights[key].astype(np.float32)
        return self.const(key, value.T if transpose else value)

    def ops(self, op_type: str, *inputs: str, outputs: int, domain: str = "", **attrs: Any) -> list[str]:
        """Append a node; return its (auto-generated, unique) output names."""
        self._count += 1
        node = f"{op_type}_{self._count}"  # names let quantisation include/exclude nodes
        names = [f"{node}_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=node, domain=domain or None, **attrs))
        return names

    def op(self, op_type: str, *inputs: str, domain: str = "", **attrs: object) -> str:
        """Append a single-output node; return the output name."""
        return self.ops(op_type, *inputs, outputs=1, domain=domain, **attrs)[0]

    def matmul(self, x: str, key: str, *, skewed: bool = False) -> str:
        """``x @ weights[key].T``, in fp32 or, for an int8 graph, quantised per token and per weight column.

        ``skewed``: ``x`` is far from symmetric around 0 (GELU outputs, >= -0.17), so each token gets its own
        zero point as well as its own scale; symmetric inputs (layer-norm outputs) need only the scale.
        """
        if not self.int8:
            return self.op("MatMul", x, self.w(key, True))
        weight = self.weights[key].astype(np.float32).T  # [K, N]
        column_scale = np.maximum(np.abs(weight).max(axis=0), 1e-8) / 127
        quantised = np.clip(np.round(weight / column_scale), -127, 127).astype(np.int8)
        weight_q = self.const(f"{key}.int8", quantised)
        if skewed:
            product, scale = self._skewed_product(x, weight_q, quantised)
        else:
            product, scale = self._symmetric_product(x, weight_q, quantised.shape[0])
        rescaled = self.op("Mul", product, scale)
        return self.op("Mul", rescaled, self.const(f"{key}.scale", column_scale.astype(np.float32)))

    def _quantise_tokens(self, x: str, scale: str, zero: str, width: int) -> str:
        # A block as wide as the last axis: one scale and zero point per token. Activations are uint8, because
        # onnxruntime's fast integer kernels take unsigned activations with signed weights.
        return self.op(
            "QuantizeLinear", x, scale, self.op("Cast", zero, to=TensorProto.UINT8), axis=-1, block_size=width
        )

    def _symmetric_product(self, x: str, weight_q: str, width: int) -> tuple[str, str]:
        """Per token, the largest |activation| maps to 127, around the zero point 128."""
        peak = self.op("ReduceMax", self.op("Abs", x), "i8_last_axis", keepdims=1)
        scale = self.op("Div", self.op("Max", peak, "i8_eps"), "i8_127")
        x_q = self._quantise_tokens(x, scale, self.op("Add", self.op("Mul", scale, "i8_0"), "i8_128"), width)
        product = self.op("MatMulInteger", x_q, weight_q, "i8_zero_point")
        return self.op("Cast", product, to=TensorProto.FLOAT), scale

    def _skewed_product(self, x: str, weight_q: str, quantised: np.ndarray) -> tuple[str, str]:
        """Per token, [min, max] (widened to hold 0) maps to 0..255.

        MatMulInteger takes one zero point per tensor, so the product runs without one and the zero point's
        share (zero x the weight column's sum) is taken out afterwards.
        """
        low = self.op("Min", self.op("ReduceMin", x, "i8_last_axis", keepdims=1), "i8_0")
        high = self.op("Max", self.op("ReduceMax", x, "i8_last_axis", keepdims=1), "i8_0")
        scale = self.op("Div", self.op("Max", self.op("Sub", high, low), "i8_eps"), "i8_255")
        zero = self.op("Round", self.op("Div", self.op("Neg", low), scale))
        product = self.op(
            "Cast",
            self.op("MatMulInteger", self._quantise_tokens(x, scale, zero, quantised.shape[0]), weight_q),
            to=TensorProto.FLOAT,
        )
        column_sums = self.const(f"{weight_q}_sums", quantised.astype(np.float32).sum(axis=0))
        return self.op("Sub", product, self.op("Mul", zero, column_sums)), scale


def _plain_embeddings(g: _Graph, cfg: BertConfig) -> tuple[str, str]:
    """Word + position + token-type(0) embeddings, LayerNorm; additive attention mask."""
    words = g.op("Gather", g.w("embeddings.word_embeddings.weight"), "input_ids")
    seq_len = g.op("Gather", g.op("Shape", "input_ids"), g.const("one", np.array([1], np.int64)))
    positions = g.op(
        "Slice", g.const("pos_type_emb", _pos_plus_type(g)), g.const("zero", np.array([0], np.int64)), seq_len
    )
    summed = g.op("Add", words, positions)
    x = g.op(
        "LayerNormalization",
        summed,
        g.w("embeddings.LayerNorm.weight"),
        g.w("embeddings.LayerNorm.bias"),
        axis=-1,
        epsilon=cfg.eps,
    )
    # [B, S] 1/0 -> [B, 1, 1, S] 0/-10000: padded keys get no attention weight.
    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    mask = g.op("Unsqueeze", mask, g.const("mask_axes", np.array([1, 2], np.int64)))
    neg = g.op("Mul", g.op("Sub", "f_one", mask), g.const("neg", np.array(-10000.0, np.float32)))
    return x, neg


def _pos_plus_type(g: _Graph) -> np.ndarray:
    # token_type_ids are always 0, so the type-0 row folds into the position table.
    pos = g.weights["embeddings.position_embeddings.weight"].astype(np.float32)
    return pos + g.weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32)


def _plain_attention(g: _Graph, cfg: BertConfig, x: str, mask: str, prefix: str) -> str:
    """Multi-head self-attention with standard ops; returns the context [B, S, H]."""
    head_dim = cfg.hidden // cfg.heads
    split = g.const(f"{prefix}split", np.array([0, 0, cfg.heads, head_dim], np.int64))

    def project(name: str, perm: list[int]) -> str:
        y = g.op("Add", g.op("MatMul", x, g.w(f"{prefix}self.{name}.weight", True)), g.w(f"{prefix}self.{name}.bias"))
        return g.op("Transpose", g.op("Reshape", y, split), perm=perm)

    q, k, v = project("query", [0, 2, 1, 3]), project("key", [0, 2, 3, 1]), project("value", [0, 2, 1, 3])
    scores = g.op("Mul", g.op("MatMul", q, k), g.const(f"{prefix}scale", np.array(1 / math.sqrt(head_dim), np.float32)))
    probs = g.op("Softmax", g.op("Add", scores, mask), axis=-1)
    ctx = g.op("Transpose", g.op("MatMul", probs, v), perm=[0, 2, 1, 3])
    return g.op("Reshape", ctx, g.const(f"{prefix}merge", np.array([0, 0, cfg.hidden], np.int64)))


def _plain_layer(g: _Graph, cfg: BertConfig, x: str, mask: str, i: int) -> str:
    p = f"encoder.layer.{i}."

    def dense_residual_norm(inp: str, dense: str, norm: str, residual: str) -> str:
        y = g.op("Add", g.op("MatMul", inp, g.w(f"{dense}.weight", True)), g.w(f"{dense}.bias"))
        return g.op(
            "LayerNormalization",
            g.op("Add", y, residual),
            g.w(f"{norm}.weight"),
            g.w(f"{norm}.bias"),
            axis=-1,
            epsilon=cfg.eps,
        )

    ctx = _plain_attention(g, cfg, x, mask, f"{p}attention.")
    x = dense_residual_norm(ctx, f"{p}attention.output.dense", f"{p}attention.output.LayerNorm", x)
    h = g.op("Add", g.op("MatMul", x, g.w(f"{p}intermediate.dense.weight", True)), g.w(f"{p}intermediate.dense.bias"))
    # Exact (erf) GELU, as in BERT: 0.5 * h * (1 + erf(h / sqrt(2))).
    erf = g.op("Erf", g.op("Div", h, g.const(f"{p}sqrt2", np.array(math.sqrt(2), np.float32))))
    h = g.op("Mul", g.op("Mul", h, g.op("Add", erf, "f_one")), g.const(f"{p}half", np.array(0.5, np.float32)))
    return dense_residual_norm(h, f"{p}output.dense", f"{p}output.LayerNorm", x)


def _fused_embeddings(g: _Graph, cfg: BertConfig) -> tuple[str, str]:
    """EmbedLayerNormalization: gathers, adds and normalises; also yields key lengths."""
    emb, lengths = g.ops(
        "EmbedLayerNormalization",
        "input_ids",
        "",
        g.w("embeddings.word_embeddings.weight"),
        g.const("pos_type_emb", _pos_plus_type(g)),
        "",
        g.w("embeddings.LayerNorm.weight"),
        g.w("embeddings.LayerNorm.bias"),
        "attention_mask",
        outputs=2,
        domain=_MS,
        epsilon=cfg.eps,
    )
    return emb, lengths


def _fused_layer(g: _Graph, cfg: BertConfig, x: str, lengths: str, i: int) -> str:
    p = f"encoder.layer.{i}."
    w = g.weights
    qkv = [f"{p}attention.self.{n}" for n in ("query", "key", "value")]
    qkv_w = np.concatenate([w[f"{n}.weight"].T for n in qkv], axis=1)
    qkv_b = np.concatenate([w[f"{n}.bias"] for n in qkv])
    ctx = g.op(
        "Attention",
        x,
        g.const(f"{p}qkv.weight", qkv_w.astype(np.float32)),
        g.const(f"{p}qkv.bias", qkv_b.astype(np.float32)),
        lengths,
        domain=_MS,
        num_heads=cfg.heads,
    )

    def dense_skip_norm(inp: str, dense: str, norm: str, skip: str, *, skewed: bool = False) -> str:
        y = g.matmul(inp, f"{dense}.weight", skewed=skewed)
        return g.op(
            "SkipLayerNormalization",
            y,
            skip,
            g.w(f"{norm}.weight"),
            g.w(f"{norm}.bias"),
            g.w(f"{dense}.bias"),
            domain=_MS,
            epsilon=cfg.eps,
        )

    x = dense_skip_norm(ctx, f"{p}attention.output.dense", f"{p}attention.output.LayerNorm", x)
    h = g.matmul(x, f"{p}intermediate.dense.weight")
    h = g.op("BiasGelu", h, g.w(f"{p}intermediate.dense.bias"), domain=_MS)  # erf GELU
    return dense_skip_norm(h, f"{p}output.dense", f"{p}output.LayerNorm", x, skewed=True)


def _mean_pool_normalise(g: _Graph, hidden: str) -> str:
    """sentence-transformers Pooling(mean) + Normalize, inside the graph."""
    mask = g.op(
        "Unsqueeze", g.op("Cast", "attention_mask", to=TensorProto.FLOAT), g.const("last_axis", np.array([2], np.int64))
    )
    axis1 = g.const("axis1", np.array([1], np.int64))
    summed = g.op("ReduceSum", g.op("Mul", hidden, mask), axis1, keepdims=0)
    count = g.op("Max", g.op("ReduceSum", mask, axis1, keepdims=0), g.const("min_count", np.array(1e-9, np.float32)))
    mean = g.op("Div", summed, count)
    norm = g.op("ReduceL2", mean, g.const("axis_last", np.array([-1], np.int64)), keepdims=1)
    norm = g.op("Max", norm, g.const("min_norm", np.array(1e-12, np.float32)))
    return g.op("Div", mean, norm)


def build_bert_model(
    weights: Mapping[str, np.ndarray], cfg: BertConfig, *, fused: bool = True, int8: bool = False
) -> onnx.ModelProto:
    """Build the sentence-embedding ONNX model.

    Args:
        weights: Hugging Face ``BertModel`` tensors by name (e.g. from safetensors).
        cfg: Hyper-parameters of the encoder.
        fused: Use onnxruntime contrib ops (fast on CPU) instead of standard ops.
        int8: Run the dense projections as per-token int8 products (fused graphs only; see the module doc).

    Returns:
        A model with int32 inputs ``input_ids`` and ``attention_mask`` [batch, seq] and a
        float32 output ``sentence_embedding`` [batch, hidden], L2-normalised.
    """
    if int8 and not fused:
        raise ValueError("the int8 graph is built from the fused one")
    g = _Graph(weights, int8=int8)
    if int8:
        for name, value in (("i8_127", 127.0), ("i8_128", 128.0), ("i8_255", 255.0), ("i8_0", 0.0), ("i8_eps", 1e-8)):
            g.const(name, np.array(value, np.float32))
        g.const("i8_last_axis", np.array([-1], np.int64))
        g.const("i8_zero_point", np.array(128, np.uint8))
    if fused:
        x, lengths = _fused_embeddings(g, cfg)
        for i in range(cfg.layers):
            x = _fused_layer(g, cfg, x, lengths, i)
    else:
        g.const("f_one", np.array(1.0, np.float32))
        x, mask = _plain_embeddings(g, cfg)
        for i in range(cfg.layers):
            x = _plain_layer(g, cfg, x, mask, i)
    g.nodes.append(helper.make_node("Identity", [_mean_pool_normalise(g, x)], ["sentence_embedding"]))
    inputs = [
        helper.make_tensor_value_info(n, TensorProto.INT32, ["batch", "seq"]) for n in ("input_ids", "attention_mask")
    ]
    output = helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", cfg.hidden])
    graph = helper.make_graph(g.nodes, "minilm_sentence_embedding", inputs, [output], g.inits)
    opsets = [helper.make_opsetid("", _OPSET), helper.make_opsetid(_MS, 1)]
    return helper.make_model(graph, opset_imports=opsets, producer_name="policydesk", ir_version=8)
