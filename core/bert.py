"""A BERT encoder written out in plain torch: the whole forward of all-MiniLM-L6-v2, step by step.

Every layer does what the earlier pages teach: project to queries, keys and values, split them into
heads, run `core.attention.scaled_dot_product_attention` on every head at once, put the heads back
side by side, project with W_o; then add and normalise, a two-layer GELU network, add and normalise.

Shapes: n tokens, d = d_model, H heads of d_head = d / H numbers, L layers. Token ids are (..., n);
hidden states (..., n, d); per-head tensors (..., H, n, d_head); attention weights (..., H, n, n).
Every sequence in a batch has the same length (there is no padding mask). Weight matrices are kept
as the checkpoint stores them, (out, in), so a linear layer is x Wᵀ + b.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal, NamedTuple

import torch

from core.attention import scaled_dot_product_attention
from core.multi_head import merge_heads, split_heads
from core.normalisation import layer_norm

AblationMode = Literal["zero", "mean"]


@dataclass(frozen=True)
class BertConfig:
    """The hyper-parameters a BERT forward needs, as config.json names them."""

    vocab_size: int
    hidden_size: int  # d
    num_hidden_layers: int  # L
    num_attention_heads: int  # H
    intermediate_size: int  # width of the feed-forward layer (4 d in MiniLM: 1536)
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float

    @classmethod
    def from_dict(cls, config: Mapping) -> BertConfig:
        """Read config.json's dictionary; ValueError says why when it is not a BERT this code runs."""
        if config.get("model_type") != "bert":
            raise ValueError(f"model_type is {config.get('model_type')!r}, not 'bert': only BERT encoders run here")
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"hidden_act is {config['hidden_act']!r}; only BERT's exact 'gelu' is written here")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"position_embedding_type {config['position_embedding_type']!r} is not 'absolute'")
        missing = [f.name for f in fields(cls) if f.name not in config]
        if missing:
            raise ValueError(f"config.json lacks {', '.join(missing)}")
        built = cls(**{f.name: config[f.name] for f in fields(cls)})
        if built.hidden_size % built.num_attention_heads:
            raise ValueError(f"hidden_size {built.hidden_size} is not divisible by {built.num_attention_heads} heads")
        return built

    @property
    def d_head(self) -> int:
        return self.hidden_size // self.num_attention_heads


@dataclass(frozen=True)
class LayerWeights:
    """One encoder layer's parameters. Linear weights are (out, in), biases (out,)."""

    w_q: torch.Tensor  # (d, d)
    b_q: torch.Tensor
    w_k: torch.Tensor  # (d, d)
    b_k: torch.Tensor
    w_v: torch.Tensor  # (d, d)
    b_v: torch.Tensor
    w_o: torch.Tensor  # (d, d) the output projection after the heads are concatenated
    b_o: torch.Tensor
    ln_1_weight: torch.Tensor  # (d,) LayerNorm after attention + residual
    ln_1_bias: torch.Tensor
    w_up: torch.Tensor  # (d_ff, d)
    b_up: torch.Tensor
    w_down: torch.Tensor  # (d, d_ff)
    b_down: torch.Tensor
    ln_2_weight: torch.Tensor  # (d,) LayerNorm after the feed-forward network + residual
    ln_2_bias: torch.Tensor


@dataclass(frozen=True)
class BertWeights:
    config: BertConfig
    word_embeddings: torch.Tensor  # (vocab, d) one fixed row per WordPiece token
    position_embeddings: torch.Tensor  # (max_positions, d)
    token_type_embeddings: torch.Tensor  # (type_vocab, d)
    ln_weight: torch.Tensor  # (d,) LayerNorm of the embeddings
    ln_bias: torch.Tensor
    layers: tuple[LayerWeights, ...]

    @property
    def device(self) -> torch.device:
        return self.word_embeddings.device

    def to(self, device: torch.device | str) -> BertWeights:
        """The same weights on another device (a new object; this one is left as it was)."""
        layers = tuple(LayerWeights(**{f.name: getattr(w, f.name).to(device) for f in fields(w)}) for w in self.layers)
        tensors = {f.name: getattr(self, f.name).to(device) for f in fields(self) if f.name not in ("config", "layers")}
        return BertWeights(config=self.config, layers=layers, **tensors)


# checkpoint names (Hugging Face BertModel), relative to "encoder.layer.<i>."
LAYER_KEYS = {
    "w_q": "attention.self.query.weight",
    "b_q": "attention.self.query.bias",
    "w_k": "attention.self.key.weight",
    "b_k": "attention.self.key.bias",
    "w_v": "attention.self.value.weight",
    "b_v": "attention.self.value.bias",
    "w_o": "attention.output.dense.weight",
    "b_o": "attention.output.dense.bias",
    "ln_1_weight": "attention.output.LayerNorm.weight",
    "ln_1_bias": "attention.output.LayerNorm.bias",
    "w_up": "intermediate.dense.weight",
    "b_up": "intermediate.dense.bias",
    "w_down": "output.dense.weight",
    "b_down": "output.dense.bias",
    "ln_2_weight": "output.LayerNorm.weight",
    "ln_2_bias": "output.LayerNorm.bias",
}
EMBEDDING_KEYS = {
    "word_embeddings": "embeddings.word_embeddings.weight",
    "position_embeddings": "embeddings.position_embeddings.weight",
    "token_type_embeddings": "embeddings.token_type_embeddings.weight",
    "ln_weight": "embeddings.LayerNorm.weight",
    "ln_bias": "embeddings.LayerNorm.bias",
}


def weights_from_state_dict(state: Mapping[str, torch.Tensor], config: BertConfig) -> BertWeights:
    """BertWeights (float32) from a Hugging Face BertModel state dict. Accepts the "bert." prefix of
    task models and the old gamma/beta LayerNorm names; KeyError names the first missing tensor."""

    def canonical(key: str) -> str:
        key = key.removeprefix("bert.")
        return key.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")

    state = {canonical(key): value for key, value in state.items()}

    def get(key: str) -> torch.Tensor:
        if key not in state:
            raise KeyError(f"the weights lack {key!r}")
        return state[key].float()

    layers = tuple(
        LayerWeights(**{name: get(f"encoder.layer.{i}.{key}") for name, key in LAYER_KEYS.items()})
        for i in range(config.num_hidden_layers)
    )
    return BertWeights(config=config, layers=layers, **{name: get(key) for name, key in EMBEDDING_KEYS.items()})


def load_bert(folder: str | Path, device: torch.device | str = "cpu") -> BertWeights:
    """Read config.json and model.safetensors (or pytorch_model.bin) from a model folder.
    Raises FileNotFoundError, ValueError or KeyError saying what is missing or wrong."""
    folder = Path(folder)
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"no config.json in {folder}")
    config = BertConfig.from_dict(json.loads(config_file.read_text()))
    if (folder / "model.safetensors").is_file():
        from safetensors.torch import load_file

        state = load_file(folder / "model.safetensors")
    elif (folder / "pytorch_model.bin").is_file():
        state = torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
    else:
        raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {folder}")
    return weights_from_state_dict(state, config).to(device)


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """(..., in) -> (..., out): x Wᵀ + b, with W stored (out, in)."""
    return x @ weight.T + bias


def scaled_layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    """(..., d) -> (..., d): core's layer_norm (mean 0, variance 1 per token), then a learned scale and shift."""
    return layer_norm(x, eps) * weight + bias


def gelu(x: torch.Tensor) -> torch.Tensor:
    """BERT's "gelu": x · Φ(x) with Φ the standard normal's CDF, exactly (erf, not the tanh approximation)."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def embed(weights: BertWeights, ids: torch.Tensor) -> torch.Tensor:
    """(..., n) token ids -> (..., n, d): word row + position row (0, 1, …, n−1) + token-type row 0,
    then LayerNorm. Raises ValueError past the model's max_position_embeddings."""
    n = ids.shape[-1]
    if n > weights.config.max_position_embeddings:
        raise ValueError(f"{n} tokens; this model has positions for {weights.config.max_position_embeddings}")
    x = weights.word_embeddings[ids] + weights.position_embeddings[:n] + weights.token_type_embeddings[0]
    return scaled_layer_norm(x, weights.ln_weight, weights.ln_bias, weights.config.layer_norm_eps)


def ablate_context(
    context: torch.Tensor, heads: Iterable[int], d_head: int, mode: AblationMode = "zero"
) -> torch.Tensor:
    """Silence some heads in the concatenated head outputs that enter the output projection W_o.

    context: (..., n, heads * d_head); head h owns columns h*d_head .. (h+1)*d_head - 1.
    "zero": those columns become 0, so W_o adds only its bias for them.
    "mean": each column is replaced by its mean over the n tokens: the head still adds its average
    output on this sentence, but no longer says which token gets what.
    Returns a new tensor of the same shape.
    """
    if mode not in ("zero", "mean"):
        raise ValueError(f"mode must be 'zero' or 'mean', got {mode!r}")
    context = context.clone()
    for head in heads:
        block = context[..., head * d_head : (head + 1) * d_head]
        block.copy_(torch.zeros_like(block) if mode == "zero" else block.mean(-2, keepdim=True).expand_as(block))
    return context


def self_attention(
    h: torch.Tensor, layer: LayerWeights, n_heads: int, silenced: Iterable[int] = (), mode: AblationMode = "zero"
) -> tuple[torch.Tensor, torch.Tensor]:
    """(..., n, d) -> ((..., n, d) attention output after W_o, (..., H, n, n) every head's weights).

    q, k, v = h W_qᵀ + b_q, … split into heads (..., H, n, d_head); each head attends on its own;
    the heads' outputs side by side (..., n, d), the `silenced` heads zeroed or averaged (see
    ablate_context: their weights are still returned), then W_o.
    """
    q = split_heads(linear(h, layer.w_q, layer.b_q), n_heads)  # (..., H, n, d_head)
    k = split_heads(linear(h, layer.w_k, layer.b_k), n_heads)
    v = split_heads(linear(h, layer.w_v, layer.b_v), n_heads)
    heads = scaled_dot_product_attention(q, k, v)  # every head at once: (..., H, n, n) weights
    context = merge_heads(heads.output)  # (..., n, H * d_head)
    silenced = list(silenced)
    if silenced:
        context = ablate_context(context, silenced, q.shape[-1], mode)
    return linear(context, layer.w_o, layer.b_o), heads.weights


def feed_forward(h: torch.Tensor, layer: LayerWeights) -> torch.Tensor:
    """(..., n, d) -> (..., n, d): each token on its own through d -> d_ff (GELU) -> d."""
    return linear(gelu(linear(h, layer.w_up, layer.b_up)), layer.w_down, layer.b_down)


def encoder_layer(
    h: torch.Tensor,
    layer: LayerWeights,
    config: BertConfig,
    silenced: Iterable[int] = (),
    mode: AblationMode = "zero",
) -> tuple[torch.Tensor, torch.Tensor]:
    """One BERT layer (post-norm): h -> LayerNorm(h + attention(h)) -> LayerNorm(· + feed_forward(·)).
    Returns the new (..., n, d) hidden states and the layer's (..., H, n, n) attention weights."""
    attended, weights = self_attention(h, layer, config.num_attention_heads, silenced, mode)
    h = scaled_layer_norm(h + attended, layer.ln_1_weight, layer.ln_1_bias, config.layer_norm_eps)
    h = scaled_layer_norm(h + feed_forward(h, layer), layer.ln_2_weight, layer.ln_2_bias, config.layer_norm_eps)
    return h, weights


class BertOutput(NamedTuple):
    hidden_states: torch.Tensor  # (L + 1, ..., n, d): the embeddings, then each layer's output
    attentions: torch.Tensor  # (L, ..., H, n, n): every head's softmax weights


@torch.no_grad()
def bert_forward(
    weights: BertWeights,
    ids: torch.Tensor,
    ablate: Mapping[int, Iterable[int]] | None = None,
    mode: AblationMode = "zero",
) -> BertOutput:
    """The whole encoder on (..., n) token ids: embeddings, then every layer in turn.

    ablate: {layer: heads} silenced in that layer before W_o ("zero" or "mean", see ablate_context).
    """
    ablate = ablate or {}
    h = embed(weights, ids.to(weights.device))
    states, maps = [h], []
    for index, layer in enumerate(weights.layers):
        h, attention = encoder_layer(h, layer, weights.config, ablate.get(index, ()), mode)
        states.append(h)
        maps.append(attention)
    return BertOutput(torch.stack(states), torch.stack(maps))
