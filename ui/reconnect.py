"""A page whose server died keeps working on the server it reconnects to.

Behind a load balancer, a browser whose server is lost reconnects its websocket to another server,
which opens a new, empty session for it. The page on screen is still the old one, so the next press
of a control inside an `st.fragment` asks for a rerun of that fragment alone. The new session has
never run the page and so holds no fragment: Streamlit 1.67 (`AppSession.request_rerun`) logs "The
fragment with id … does not exist anymore" and drops the request. The slider moves and nothing is
recomputed until the student presses a control outside every fragment, or reloads.

No setting changes this: the frontend asks for a full rerun on reconnect only when its last run was
a fragment run (streamlit/streamlit#11890), not after an ordinary full run. So this shim turns a
fragment rerun that reaches a session which has never run its script into a run of the whole page,
with the widget values and the link the browser sent: the student sees the page recomputed for the
new value. A session that has run (a fragment dropped by a later full rerun, a page switch) is left
to Streamlit, which drops the stale request as before.

It must be in place before the first request reaches a fresh server, so `serve.py` (how the cluster,
Docker and Kubernetes start the app) applies it at server start; `app.py` applies it too, for a
server started with `streamlit run app.py` once it has drawn any page.
"""

from __future__ import annotations

from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime.app_session import AppSession

_PATCHED = "_attention_lab_runs_whole_page_for_unknown_fragments"


def as_whole_page_rerun(session: AppSession, client_state: ClientState | None) -> ClientState | None:
    """The rerun `session` should do: `client_state` itself, or, for a fragment this session has
    never registered because it has never run its script, the same request without the fragment."""
    if client_state is None or not client_state.fragment_id:
        return client_state
    # page_script_hash stays "" until the session's first run starts (AppSession.page_script_hash)
    if session.page_script_hash or session.has_fragment(client_state.fragment_id):
        return client_state
    whole_page = ClientState()
    whole_page.CopyFrom(client_state)
    whole_page.ClearField("fragment_id")
    return whole_page


def run_whole_page_for_unknown_fragments() -> None:
    """Wrap AppSession.request_rerun once per process (calling it again does nothing)."""
    if getattr(AppSession, _PATCHED, False):
        return
    request_rerun = AppSession.request_rerun

    def request_rerun_after_reconnect(self: AppSession, client_state: ClientState | None) -> None:
        request_rerun(self, as_whole_page_rerun(self, client_state))

    AppSession.request_rerun = request_rerun_after_reconnect
    setattr(AppSession, _PATCHED, True)
