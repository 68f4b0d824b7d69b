"""Static embeddings: its core functions, and the page as a student uses it."""

import pytest
import torch
from conftest import APP, app_test, charts, open_link, presenting_test, scrub_positions, scrub_start, scrub_to
from scrub_views import positions_sent, records_at
from streamlit.testing.v1 import AppTest

from core.contextual import static_cosine
from core.embeddings import (
    Tie,
    analogy,
    cosine_in_prefix,
    cosine_similarity,
    dot_similarity,
    empty_words,
    first_dimensions,
    nearest_neighbours,
    nearest_neighbours_in_prefix,
    ranked_words,
    similarity_by_features,
    similarity_matrix,
    tied_ranking,
    toy_vocabulary,
    with_vector,
)
from core.projection import merge_coincident, pca_2d
from core.text import shared_words
from ui.specs import label_places

PAGE = "lessons/static_embeddings.py"
FEATURE_MAP = "static_features_scrub"  # the similarity chart whose Features used input answers in the browser
MAP_WORDS = ["king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "dog", "cat"]  # the default


def test_similarity_matrix_by_metric_and_shared_words():
    E = torch.tensor([[1.0, 0.0], [3.0, 4.0]])
    torch.testing.assert_close(similarity_matrix(E), cosine_similarity(E))
    torch.testing.assert_close(similarity_matrix(E, E[:1], metric="dot"), dot_similarity(E, E[:1]))
    assert shared_words("The bank, the river bank", "a bank by THE river") == ["the", "bank", "river"]
    assert shared_words("", "bank") == []


def test_static_cosine_is_one_for_the_same_token_in_two_sentences(encoder):
    one, two = encoder.run("I went to the bank"), encoder.run("the bank of the river")
    assert static_cosine(one, two, "bank") == pytest.approx(1.0, abs=1e-6)
    assert static_cosine(one, two, "the") == pytest.approx(1.0, abs=1e-6)


# --- core ------------------------------------------------------------------------------------------
def test_first_dimensions_keeps_the_first_features():
    toy = toy_vocabulary()
    small = first_dimensions(toy, 3)
    assert small.dimensions == ("royalty", "gender", "person") and small.vectors.shape == (len(toy.words), 3)
    torch.testing.assert_close(small.vector("king"), torch.tensor([1.0, 0.9, 0.8]))
    with pytest.raises(ValueError):
        first_dimensions(toy, 0)


def test_with_vector_changes_one_row_only():
    toy = toy_vocabulary()
    edited = with_vector(toy, "king", [0.0] * len(toy.dimensions))
    assert float(edited.vector("king").abs().sum()) == 0.0
    torch.testing.assert_close(edited.vector("queen"), toy.vector("queen"))
    assert float(toy.vector("king")[0]) == 1.0  # the original is untouched


def test_neighbours_in_a_prefix_match_the_full_search_on_a_sliced_table():
    generator = torch.Generator().manual_seed(1)
    table = torch.randn(500, 32, generator=generator)
    words = [f"w{i}" for i in range(500)]
    for d in (2, 8, 32):
        ours = nearest_neighbours_in_prefix(table[7], table, words, d, k=5, exclude=("w7",))
        reference = nearest_neighbours(table[7, :d], table[:, :d], words, k=5, exclude=("w7",))
        assert [w for w, _ in ours] == [w for w, _ in reference]
        assert [s for _, s in ours] == pytest.approx([s for _, s in reference], abs=1e-6)
    torch.testing.assert_close(cosine_in_prefix(table[:4], 8), cosine_similarity(table[:4, :8]))
    pieces = [None if i % 2 else w for i, w in enumerate(words)]  # odd rows are word pieces: never ranked
    ranked = nearest_neighbours_in_prefix(table[7], table, pieces, 32, k=5)
    reference = nearest_neighbours(table[7], table[::2], words[::2], k=5)
    assert [w for w, _ in ranked] == [w for w, _ in reference]
    assert [s for _, s in ranked] == pytest.approx([s for _, s in reference], abs=1e-6)
    assert len(nearest_neighbours_in_prefix(table[0], table[:3], ["a", None, None], 32, k=5)) == 1


def test_fewer_features_degrade_the_toy_neighbours():
    toy = toy_vocabulary()
    full = [w for w, _ in nearest_neighbours(toy.vector("queen"), toy.vectors, toy.words, k=3, exclude=("queen",))]
    assert "princess" in full
    one = first_dimensions(toy, 1)  # royalty only: every royal-ish word, man included, ties with queen
    crude = nearest_neighbours(one.vector("queen"), one.vectors, one.words, k=3, exclude=("queen",))
    assert [s for _, s in crude] == pytest.approx([1.0, 1.0, 1.0])
    assert float(cosine_similarity(one.vector("queen")[None], one.vector("man")[None])) == pytest.approx(1.0)


def test_empty_words_have_no_feature_left():
    toy = toy_vocabulary()
    assert empty_words(toy) == []
    royalty_only = first_dimensions(toy, 1)
    assert "bank" in empty_words(royalty_only) and "king" not in empty_words(royalty_only)


def test_merge_coincident_points_share_a_label():
    coords = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.001, 0.0], [1.0, 0.0]])
    points, labels = merge_coincident(coords, ["cat", "king", "dog", "queen"])
    assert labels == ["cat, dog", "king", "queen"]
    torch.testing.assert_close(points[0], torch.tensor([0.0005, 0.0]))
    _, apart = merge_coincident(coords, ["a", "b", "c", "d"], tolerance=0.0)
    assert apart == ["a", "b", "c", "d"]


# --- the page ---------------------------------------------------------------------------------------
def markdown(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_dimension_slider_changes_the_analogy_and_neighbours():
    at = app_test(PAGE, timeout=120)
    assert not at.exception
    assert "king − man + woman ≈ queen" in markdown(at)
    scrub_to(at, FEATURE_MAP, static_d=1)
    assert not at.exception
    assert any("All 1 feature used is 0 for *bank* here: it has no direction" in i.value for i in at.info)
    assert not [d for d in at.dataframe if "neighbour" in getattr(d.value, "columns", [])]  # nothing ranked
    assert at.query_params["static_d"] == "1"
    # royalty only: king − man + woman = 1.0, the direction of every royal word: a tie, said as one
    assert "king − man + woman ≈ a tie**: queen, prince, princess are all at cosine 1.000" in markdown(at)
    scrub_to(at, FEATURE_MAP, static_d=11)
    assert "king − man + woman ≈ queen" in markdown(at) and "static_d" not in at.query_params  # the default


def neighbour_table(at):
    return next(d.value for d in at.dataframe if "neighbour" in getattr(d.value, "columns", []))


def test_neighbours_follow_the_features_used_with_zero_vectors_and_ties_in_words():
    at = app_test(PAGE, timeout=120)
    table = neighbour_table(at)
    assert list(table["neighbour"])[:2] == ["money, cash (a tie)", "loan"]  # both 0.800: one row
    scrub_to(at, FEATURE_MAP, static_d=2)
    assert any("All 2 features used are 0 for *bank* here" in i.value for i in at.info)
    at.selectbox(key="static_probe").set_value("king").run()
    two = first_dimensions(toy_vocabulary(), 2)
    table = neighbour_table(at)
    empty = set(empty_words(two))
    listed = [w.removesuffix(" (a tie)") for w in table["neighbour"]]
    assert not any(w in empty for row in listed for w in row.split(", "))  # undefined cosines are not ranked
    groups = ranked_words(two.vector("king"), two, exclude=("king",))
    assert table["cosine"].tolist() == pytest.approx([g.score for g in groups[: len(table)]])
    assert any("left out, as a cosine with them is undefined" in c.value for c in at.caption)
    at.radio(key="static_metric").set_value("dot").run()
    assert neighbour_table(at)["dot"].iloc[0] == pytest.approx(
        ranked_words(two.vector("king"), two, ("king",), "dot")[0].score
    )


def test_tied_ranking_and_ranked_words():
    groups = tied_ranking([("a", 1.0), ("b", 0.99996), ("c", 0.5), ("d", 0.4996), ("e", -0.0)])
    assert groups == [Tie(1.0, ["a", "b"]), Tie(0.5, ["c", "d"]), Tie(0.0, ["e"])]
    royalty = first_dimensions(toy_vocabulary(), 1)
    assert ranked_words(royalty.vector("bank"), royalty) is None  # no direction: nothing to rank
    first = ranked_words(royalty.vector("king"), royalty, exclude=("king",))[0]
    assert first.score == 1.0 and {"queen", "prince", "man"} <= set(first.words)
    assert "bank" not in {w for g in ranked_words(royalty.vector("king"), royalty) for w in g.words}


def analogy_chart(at) -> dict:
    return next(spec for spec in charts(at) if spec.get("title") == "The arithmetic, feature by feature")


def test_the_analogy_chart_shows_its_three_words_the_sum_and_the_nearest():
    at = app_test(PAGE, timeout=120)
    toy = toy_vocabulary()
    bars = {(r["vector"], r["dimension"]): r["value"] for r in analogy_chart(at)["data"]["values"]}
    names = list(dict.fromkeys(r["vector"] for r in analogy_chart(at)["data"]["values"]))
    assert names == ["a: king", "b: man", "c: woman", "king − man + woman", "nearest: queen"]
    assert bars[("b: man", "gender")] == pytest.approx(0.9) and bars[("king − man + woman", "gender")] == pytest.approx(
        float(toy.vector("king")[1] - toy.vector("man")[1] + toy.vector("woman")[1])
    )
    scrub_to(at, FEATURE_MAP, static_d=1)
    names = list(dict.fromkeys(r["vector"] for r in analogy_chart(at)["data"]["values"]))
    assert names[-1] == "nearest: queen (one of 3 tied)"
    at.selectbox(key="static_a").set_value("bank").run()  # bank − man + woman: royalty 0 − 0.1 + 0.1 = 0
    assert any("*bank − man + woman* is all zeros in the 1 feature used: no direction" in i.value for i in at.info)
    assert list(dict.fromkeys(r["vector"] for r in analogy_chart(at)["data"]["values"]))[-1] == "bank − man + woman"


def test_feature_sliders_edit_one_word_and_stay_in_the_link():
    at = app_test(PAGE, timeout=120)
    at.slider(key="static_king_gender").set_value(-3.0).run()
    assert not at.exception
    edited = with_vector(toy_vocabulary(), "king", [1.0, -3.0, 0.8] + [0.0] * 8)
    _, ranked = analogy("king", "man", "woman", edited)
    assert f"≈ {ranked[0][0]}** (cosine {ranked[0][1]:.3f})" in markdown(at)
    for value in (3.0, -3.0):
        at.slider(key="static_king_royalty").set_value(value).run()
        assert not at.exception
    at.selectbox(key="static_edit").set_value("queen").run()
    assert at.slider(key="static_queen_gender").value == pytest.approx(-0.9)
    assert not at.exception


def test_the_table_shows_stored_precision():
    at = app_test(PAGE, timeout=120)
    assert not [d for d in at.dataframe if "gender" in getattr(d.value, "columns", [])], "folded: not built"
    at.session_state["static_table_open"] = True  # the student opens "The whole table"
    at.run()
    table = next(d for d in at.dataframe if "gender" in getattr(d.value, "columns", []))
    assert table.value.loc["king", "gender"] == pytest.approx(0.9, abs=1e-9)  # float64, not 0.8999999761


def test_minilm_dimension_slider_both_ends():
    at = app_test(PAGE, timeout=120)
    full = list(at.dataframe[-1].value.iloc[:, 0])
    at.slider(key="static_real_d").set_value(2).run()
    assert not at.exception
    crude = list(at.dataframe[-1].value.iloc[:, 0])
    assert crude != full  # two numbers per word cannot keep the neighbours
    at.slider(key="static_real_d").set_value(384).run()
    assert list(at.dataframe[-1].value.iloc[:, 0]) == full


def test_prediction_holds_back_the_cosines():
    at = app_test(PAGE, timeout=120)
    assert not [m for m in at.metric if "cosine of" in m.label]
    assert not at.success
    at.radio(key="static_predict").set_value("between 0 and 1").run()
    assert at.error and "1.0: the same vector" in at.error[0].value
    shown = {m.label: m.value for m in at.metric}
    assert shown["Toy vectors: cosine of 'bank' in 1 and 2"] == "1.0000"
    assert shown["MiniLM input rows: cosine of 'bank' in 1 and 2"] == "1.0000"


def test_other_controls():
    at = app_test(PAGE, timeout=120)
    at.multiselect(key="static_trio").set_value(["dog"]).run()
    assert any("at least two" in i.value for i in at.info)
    at.multiselect(key="static_words").set_value(list(toy_vocabulary().words[:40])).run()
    at.radio(key="static_metric").set_value("dot").run()
    at.selectbox(key="static_probe").set_value("river").run()
    at.text_input(key="static_real_words").set_value("!!!").run()
    assert not at.exception
    assert any("no words" in i.value for i in at.info)


def similarity_chart(at) -> dict:
    return next(spec for spec in charts(at) if str(spec.get("title", "")).startswith(("cosine sim", "dot sim")))


def test_similarity_by_features_is_each_prefix():
    E = torch.randn(4, 5, generator=torch.Generator().manual_seed(2))
    found = similarity_by_features(E, "dot")
    assert found.shape == (5, 4, 4)
    torch.testing.assert_close(found[2], E[:, :3] @ E[:, :3].T)
    torch.testing.assert_close(similarity_by_features(E)[0], cosine_similarity(E[:, :1]))


def test_the_similarity_chart_carries_every_feature_count():
    at = app_test(PAGE, timeout=120)
    spec = similarity_chart(at)
    assert scrub_start(spec) == {"static_d": 11} and len(spec["data"]["values"]) == len(MAP_WORDS) ** 2
    assert positions_sent(spec["data"]["values"]) == {str(d) for d in range(1, 12)}  # every count, one record a cell
    assert spec["layer"][0]["params"][0]["bind"] == {"input": "range", "min": 1, "max": 11, "step": 1,
                                                     "name": "Features used"}  # fmt: skip
    at.radio(key="static_metric").set_value("dot").run()
    scrub_to(at, FEATURE_MAP, static_d=3)
    spec = similarity_chart(at)
    three = first_dimensions(toy_vocabulary(), 3)
    E = torch.stack([three.vector(w) for w in MAP_WORDS])
    cells = {(r["row"], r["col"]): r["value"] for r in records_at(spec["data"]["values"], static_d=3)}
    assert cells[("king", "queen")] == pytest.approx(float(E[0] @ E[1]), abs=1e-4)
    assert cells[("dog", "cat")] == pytest.approx(float(similarity_matrix(E, metric="dot")[8, 9]), abs=1e-4)
    assert any("With 3 of 11 features" in c.value for c in at.caption)  # the neighbours follow the server
    at.toggle(key="static_similarity_numbers").set_value(True).run()
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == MAP_WORDS)
    torch.testing.assert_close(torch.tensor(shown.to_numpy(), dtype=torch.float32), E @ E.T, atol=1e-5, rtol=0)


def test_a_link_opens_a_feature_count():
    at = open_link(PAGE, {"static_d": "2"})
    assert not at.exception and scrub_start(similarity_chart(at)) == {"static_d": 2}
    assert similarity_chart(at)["title"] == "cosine similarity, first 2 of 11 features"
    _, ranked = analogy("king", "man", "woman", first_dimensions(toy_vocabulary(), 2))
    assert f"≈ {ranked[0][0]}** (cosine {ranked[0][1]:.3f})" in markdown(at)


def test_pca_map_of_default_words_has_no_pile():
    toy = toy_vocabulary()
    words = ["king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "dog", "cat"]  # the page's default
    _, labels = merge_coincident(pca_2d(torch.stack([toy.vector(w) for w in words])), words, tolerance=0.04)
    assert labels == ["king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "dog, cat"]


def test_a_hostile_link_falls_back_with_notices():

    at = AppTest.from_file(APP, default_timeout=120)
    bad = {"static_d": "0", "static_king_gender": "9", "static_real_d": "1000", "static_edit": "nope"}
    at.query_params.update({**{k: [v] for k, v in bad.items()}, "static_trio": toy_vocabulary().words[:20]})
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    notices = " ".join(t.value for t in at.toast)
    assert all(key in notices for key in bad if key != "static_d") and "“Features used” (0)" in notices
    assert scrub_positions(at, FEATURE_MAP) == {"static_d": 11} and at.slider(
        key="static_king_gender"
    ).value == pytest.approx(0.9)
    assert len(at.multiselect(key="static_trio").value) == 20  # many words: the maps go one under the other


def test_presenter_mode_with_fragments():
    at = presenting_test(PAGE, timeout=120)
    assert [h.value for h in at.header] == ["1 · One-hot vs dense vectors"]
    at.multiselect(key="static_trio").set_value(["dog", "cat", "bank"]).run()  # a fragment's control
    assert len(at.header) == 1 and not at.exception
    at.button(key="present_next").click().run()
    assert [h.value for h in at.header][-1] == "2 · A vocabulary you can edit"
    scrub_to(at, FEATURE_MAP, static_d=3)
    assert len(at.header) == 2 and not at.exception


def test_label_places_keep_labels_apart():
    crowd = torch.tensor([[0.0, 0.0], [0.01, 0.0], [0.0, 0.01], [0.01, 0.01], [0.005, 0.005], [1.0, 1.0]])
    places = label_places(crowd, ["alpha", "beta", "gamma", "delta", "epsilon", "far"], width=300, height=300)
    assert places[0] is not None and places[-1] is not None  # the first word and a lone point keep theirs
    assert None in places  # five labels cannot all sit around one spot
    kept = [p for p in places[:5] if p is not None]
    assert len(kept) == len(set(kept))  # around one spot, each place holds one label
    assert label_places(torch.tensor([[0.0, 0.0], [1.0, 1.0]]), ["a", "b"]) == ["left above", "right above"]


def test_the_map_says_which_points_are_unlabelled():
    words = list(toy_vocabulary().words[:40])
    at = open_link(PAGE, {"static_words": words, "static_d": "2"})
    assert not at.exception
    two = first_dimensions(toy_vocabulary(), 2)
    points, labels = merge_coincident(pca_2d(torch.stack([two.vector(w) for w in words[:16]])), words[:16], 0.04)
    places = label_places(points, labels)
    spec = next(spec for spec in charts(at) if str(spec.get("title", "")).startswith("2-D map"))
    assert [r["place"] for r in spec["data"]["values"]] == [p or "unlabelled" for p in places]
    missing = [label for label, place in zip(labels, places) if place is None]
    caption = next(c.value for c in at.caption if c.value.startswith("PCA keeps"))  # two features: a plane
    assert missing and f"{len(missing)} point" in caption and f"“{missing[0]}”" in caption
    blank = [w for w in words if w in empty_words(two)]
    expected = f"{len(blank)} of these 40 words are all zeros in the first 2 features ({', '.join(blank[:4])} and "
    assert any(c.value.startswith(expected) for c in at.caption)
    scrub_to(at, FEATURE_MAP, static_d=11)
    assert not any("a cosine with no direction" in c.value for c in at.caption)  # follows the features used
    caption = next(c.value for c in at.caption if c.value.startswith("PCA keeps"))
    full = toy_vocabulary()
    _, labels = merge_coincident(pca_2d(torch.stack([full.vector(w) for w in words[:16]])), words[:16], 0.04)
    merged = [label for label in labels if ", " in label]
    assert merged and f"share one label (“{merged[0]}”" in caption  # the points that share a spot, named
    scrub_to(at, FEATURE_MAP, static_d=1)
    assert any(c.value.startswith("With one feature the words differ along one direction only") for c in at.caption)
    assert any("all zeros in the one feature used (" in c.value for c in at.caption)
    at.multiselect(key="static_words").set_value(["king", "man"]).run()  # royalty 1.0 and 0.1: nothing merged
    assert not any("share one label" in c.value for c in at.caption)


def test_the_one_hot_and_dense_sentences_follow_the_words():
    at = app_test(PAGE, timeout=120)
    captions = " ".join(c.value for c in at.caption)
    assert "all 3 pairs of different words score 0, so *dog* is as far from *cat* as from *table*" in captions
    toy = toy_vocabulary()
    dog_cat = float(cosine_similarity(torch.stack([toy.vector("dog"), toy.vector("cat")]))[0, 1])
    assert f"*dog*–*cat* score highest ({dog_cat:.2f}) and *dog*–*table*, *cat*–*table* tie lowest (0.00)" in captions
    at.multiselect(key="static_trio").set_value(["king", "queen"]).run()
    king_queen = float(cosine_similarity(torch.stack([toy.vector("king"), toy.vector("queen")]))[0, 1])
    captions = " ".join(c.value for c in at.caption)
    assert "the two words score 0." in captions and f"here *king*–*queen* score {king_queen:.2f}." in captions


def test_no_cosine_chart_is_summed_up_as_attention_links():
    """A one-hot cosine map is the identity: its rows sum to 1 like attention weights, but it is similarity."""
    at = app_test(PAGE, timeout=120)
    maps = [spec for spec in charts(at) if str(spec.get("title", "")).endswith("cosine similarity")]
    assert [spec["title"].split(":")[0] for spec in maps] == ["One-hot", "Dense (toy vocabulary)"]
    assert all(spec["layer"][0]["encoding"]["color"]["title"] == "cosine" for spec in maps)  # the legend says what
    assert not [c.value for c in at.caption if "of each row" in c.value]


def test_nothing_says_one_vector_per_word_before_the_cosine_question_is_answered():
    def shown(at) -> str:
        return " ".join(m.value for m in [*at.header, *at.markdown])

    at = app_test(PAGE)
    assert "4 · One word in two sentences" in shown(at) and "One word, one vector" not in shown(at)
    assert "same vector in every sentence" not in shown(at)
    assert "whatever sentence it is in" not in shown(at)
    at.radio(key="static_predict").set_value("below 0").run()
    assert "same vector in every sentence" in shown(at)
