import streamlit as st

from ui.course import STEPS, draw_map, map_in_words, score_line
from ui.glossary import words_box
from ui.navigation import HOME, LESSONS
from ui.quiz import answered_pages

st.title("Attention Lab")
st.markdown(
    "Self-attention is the step that lets every word in a sentence look at every other word and "
    "borrow meaning from the ones that matter: *bank* next to *money* is not *bank* next to "
    "*river*. This lab builds it up from nothing — vectors, dot products, a softmax, a weighted "
    "sum — and then opens a real pretrained transformer to show the same computation inside it."
)
st.markdown(
    "**Every number here is live.** Type your own sentence in the sidebar, move a slider, edit a "
    "cell: everything downstream is recomputed by the same code shown on each page."
)
words_box(HOME.id)

st.subheader("The map: a transformer, step by step")
st.caption(
    f"Each box is one step of the computation ({len(STEPS)} in all), with the lesson that teaches it: click one to "
    "open it. A lesson's steps turn blue once you have answered its question. "
    f"Every page asks one before it shows the answer. {score_line()}"
)
draw_map(HOME.id, full=True)
with st.expander("The map in words", icon=":material/list:"):
    st.markdown(map_in_words(HOME.id, full=True, answered=answered_pages()))

st.subheader("The lessons, in order")
answered = answered_pages()
for number, page in enumerate(LESSONS, start=1):
    with st.container(border=True):
        st.page_link(page.path, label=f"{number}. {page.title}", icon=page.icon)
        mark = "✓ Question answered. " if page.id in answered else "Question not answered yet. "
        st.caption(mark + page.teaches)

st.subheader("The whole idea in one line")
st.latex(r"\text{output}_i \;=\; \sum_j \operatorname{softmax}_j\!\left(\frac{q_i \cdot k_j}{\sqrt{d_k}}\right) v_j")
st.caption(
    "Each output is a weighted average of the words' values; the weights say how well "
    "word i's question (query) matches word j's label (key). The pages build this up piece by piece."
)
