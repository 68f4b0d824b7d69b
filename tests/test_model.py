"""The real bundled MiniLM, offline. No mocks."""

import pytest
import torch

from core.embeddings import cosine_similarity
from core.model import MAX_MODEL_TOKENS, ModelLoadError, load_encoder

ANIMAL = "The animal didn't cross the road because it was tired"


def test_shapes(encoder):
    run = encoder.run(ANIMAL)
    n = len(run.tokens)
    assert run.tokens[0] == "[CLS]" and run.tokens[-1] == "[SEP]" and "animal" in run.tokens
    assert (encoder.n_layers, encoder.n_heads, encoder.d_model) == (6, 12, 384)
    assert run.static.shape == (n, 384)
    assert run.hidden_states.shape == (7, n, 384)
    assert run.attentions.shape == (6, 12, n, n)
    torch.testing.assert_close(run.attentions.sum(-1), torch.ones(6, 12, n))
    assert encoder.static_table.shape == (30522, 384)


@pytest.mark.parametrize("layer", range(6))
def test_rebuilt_head_matches_the_model(encoder, layer):
    for head in (0, 5, 11):
        ours, theirs = encoder.rebuild_head(ANIMAL, layer, head)
        assert (ours - theirs).abs().max() <= 1e-5


def test_static_bank_is_one_vector_contextual_bank_is_not(encoder):
    money = encoder.run("I went to the bank to deposit money")
    river = encoder.run("We sat on the bank of the river")
    i, j = money.tokens.index("bank"), river.tokens.index("bank")
    static = cosine_similarity(money.static[i][None], river.static[j][None])
    assert float(static) == pytest.approx(1.0, abs=1e-6)
    last = cosine_similarity(money.hidden_states[-1, i][None], river.hidden_states[-1, j][None])
    assert float(last) < 0.8


def test_hidden_states_match_sentence_transformers_output(encoder):
    from sentence_transformers import SentenceTransformer

    from core.model import bundled_model_path

    reference = SentenceTransformer(bundled_model_path(), device="cpu")
    theirs = reference.encode(ANIMAL, output_value="token_embeddings", convert_to_tensor=True)
    torch.testing.assert_close(encoder.run(ANIMAL).hidden_states[-1], theirs.cpu(), atol=1e-4, rtol=1e-4)


def test_truncation_flag(encoder):
    run = encoder.run("word " * 400)
    assert run.truncated and len(run.tokens) == MAX_MODEL_TOKENS
    assert not encoder.run("short one").truncated


def test_empty_text_is_a_clear_error(encoder):
    with pytest.raises(ValueError, match="no tokens"):
        encoder.run("   ")


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="Could not load"):
        load_encoder(str(tmp_path), device="cpu")
