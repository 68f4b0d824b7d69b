import streamlit as st

from ui.navigation import LESSONS
from ui.quiz import progress

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

answered, correct = progress()
if answered:
    st.info(
        f"Your predictions so far: **{correct} of {answered}** right. Every page asks one before it shows the answer.",
        icon=":material/quiz:",
    )

st.subheader("The lessons, in order")
for number, page in enumerate(LESSONS, start=1):
    with st.container(border=True):
        st.page_link(page.path, label=f"{number}. {page.title}", icon=page.icon)
        st.caption(page.teaches)

st.subheader("The whole idea in one line")
st.latex(r"\text{output}_i \;=\; \sum_j \operatorname{softmax}_j\!\left(\frac{q_i \cdot k_j}{\sqrt{d_k}}\right) v_j")
st.caption(
    "Each output is a weighted average of the words' values; the weights say how well "
    "word i's question (query) matches word j's label (key). The pages build this up piece by piece."
)
