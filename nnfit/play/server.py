"""`nnfit play`'s server: one page, its static files, its font and one WebSocket; nothing else.

Starlette routes only these paths (no directory listing, no file paths from the request):
    /                           the page (static/index.html)
    /static/<name>              one of FILES below
    /font/noto-sans-sc.otf      Noto Sans SC from the pylopdf-fonts-zh-cn package, for the Chinese text
    /ws                         the WebSocket: each connection (each browser tab) is its own Session
The Host header must name this machine (no DNS rebinding) and a WebSocket's Origin must be the page's.
All training runs on one worker thread, one message at a time, so one tab's work cannot disturb
another's numbers, and the event loop stays free to answer every tab.
"""
import asyncio
from concurrent.futures import ThreadPoolExecutor
import json
import logging
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from ..i18n import _

STATIC = Path(__file__).parent / "static"
FILES = {"app.js": "text/javascript", "plot.js": "text/javascript", "ledger.js": "text/javascript",
         "i18n.js": "text/javascript", "style.css": "text/css"}
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1"]
MAX_TABS = 64  # sessions at once; more are accepted and closed at once (code 1013, try again later: the page says so)
FRAME_LIMIT = 1024 * 1024  # bytes; bigger frames close the connection (1009). Up to it, messages.py answers.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
log = logging.getLogger("nnfit.play")


def create_app(host="127.0.0.1"):
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocketDisconnect

    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnfit-play", initializer=one_numba_thread)
    tabs = set()

    async def page(request):
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS)

    async def static(request):
        name = request.path_params["name"]
        if name not in FILES:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(STATIC / name, media_type=f"{FILES[name]}; charset=utf-8", headers=HEADERS)

    async def font(request):
        try:
            import pylopdf_fonts_zh_cn
            path = Path(pylopdf_fonts_zh_cn.sans_path())
        except Exception:  # no font package: the page falls back to the system's fonts
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, media_type="font/otf", headers={"Cache-Control": "max-age=86400"})

    async def play(ws):
        origin = ws.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != ws.headers.get("host"):
            await ws.close(code=1008)  # another site's page may not drive this one
            return
        if len(tabs) >= MAX_TABS:  # (closed before accepting, it was a 403, and the page said the server had stopped)
            await ws.accept()
            await ws.close(code=1013, reason="too many tabs")
            return
        await ws.accept()
        tabs.add(ws)
        try:
            await serve_tab(ws)
        except WebSocketDisconnect:
            pass  # the tab closed while its answer was being computed
        finally:
            tabs.discard(ws)

    async def serve_tab(ws):
        from .messages import answer
        from .session import Session
        loop = asyncio.get_running_loop()
        session = await loop.run_in_executor(worker, Session)
        await ws.send_text(dumps(await loop.run_in_executor(worker, session.state)))
        loop.run_in_executor(worker, warm_up)  # while the page draws: the ledger's torch, for the first step
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            try:
                reply = await loop.run_in_executor(worker, answer, session, text)
            except Exception as e:  # a bug, not the client's fault: say so, keep serving
                log.exception("nnfit play: internal error")
                reply = {"type": "error", "en": f"internal error: {type(e).__name__}: {e}",
                         "zh": f"服务器内部错误：{type(e).__name__}: {e}", "request": None}
            await ws.send_text(dumps(reply))

    routes = [Route("/", page), Route("/static/{name}", static), Route("/font/noto-sans-sc.otf", font),
              WebSocketRoute("/ws", play)]
    return KnownHost(Starlette(routes=routes), host)


class KnownHost:
    """ASGI middleware: answer 400 unless the Host header names this machine (or the address served),
    so that a page on another site cannot reach this server through a name that resolves here."""

    def __init__(self, app, host):
        self.app = app
        self.hosts = set(LOCAL_HOSTS) | {host}
        self.any = host in ("0.0.0.0", "::")  # served to the network on purpose: any name that reaches it

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not self.any:
            header = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            try:
                name = urlsplit("//" + header).hostname
            except ValueError:
                name = None
            if name not in self.hosts:
                from starlette.responses import PlainTextResponse
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await PlainTextResponse("unknown host", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class URLUnseen(Exception):
    """The URL could not be printed: standard output's reader had left (serve() does not serve then)."""


class OneLineLog(logging.Filter):
    """uvicorn's log on the terminal, one line a record, never a traceback: a client's invalid UTF-8 (which uvicorn
    logs with its traceback) is its one line; Ctrl-C while a step is being computed (uvicorn cancels the tab after
    its graceful-shutdown timeout, and logs that with the cancelled task's traceback) says nothing, as Ctrl-C does
    when no step runs (helper-68)."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, asyncio.CancelledError) or "timeout graceful shutdown exceeded" in record.getMessage():
            return False
        if error is not None:  # its kind and words kept on the one line (helper-69: a bug's record said nothing else;
            words = " ".join(str(error).split())  # h11's own words can hold a line break: helper-84)
            said = " ".join(record.getMessage().split())  # (uvicorn's "Exception in ASGI application\n")
            record.msg, record.args = f"{said} ({type(error).__name__}: {words})", None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def warm_up():
    from ..engines import scalar  # noqa: F401  (imports torch, ~2 s once)


def one_numba_thread():
    """The compiled engine on the worker thread uses one core: one small model needs no more."""
    import numba
    numba.set_num_threads(1)


def dumps(reply):
    return json.dumps(reply, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def bind(host, port):
    """A listening socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def url_of(sock, host):
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(host="127.0.0.1", port=0, open_browser=False, out=None):
    """Serve the page until Ctrl-C; print its URL first (to `out`, by default sys.stdout as it is at the
    call: the CLI's checked stream, not the one there when this module was first imported), and open a
    browser when asked."""
    import uvicorn
    out = sys.stdout if out is None else out
    sock = bind(host, port)
    url = url_of(sock, host)
    config = uvicorn.Config(create_app(host), log_level="warning", lifespan="off", ws_max_size=FRAME_LIMIT,
                            ws_per_message_deflate=False, timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    quiet, uvicorn_log = OneLineLog(), logging.getLogger("uvicorn.error")  # (configured by uvicorn.Config: after it)
    loop_log = logging.getLogger("asyncio")  # (the event loop's "Fatal error: protocol.data_received() call failed", with
    uvicorn_log.addFilter(quiet)             # two tracebacks, on invalid UTF-8 and a close in one write: helper-84)
    loop_log.addFilter(quiet)
    try:
        print(f"nnfit play: {url}  " + _("(Ctrl-C stops it)"), file=out, flush=True)  # the URL part in every language
        if getattr(out, "gone", False):  # the CLI's stdout, whose reader had left (`nnfit play | true`): no one has it
            raise URLUnseen(url)
        if open_browser:
            import webbrowser
            webbrowser.open(url)
        server.run(sockets=[sock])  # until Ctrl-C: uvicorn closes the connections, then re-raises it
    except KeyboardInterrupt:  # (also one that came as soon as the URL was out, before uvicorn's own handler)
        pass
    finally:
        uvicorn_log.removeFilter(quiet)
        loop_log.removeFilter(quiet)
        sock.close()
    print(_("nnfit play: stopped"), file=out, flush=True)
    return url
