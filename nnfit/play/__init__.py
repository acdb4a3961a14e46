"""`nnfit play`: the chapter's network live in the browser, served from this machine.

    server.py    Starlette app: the page, its static files, the font, one WebSocket per tab; serve()
    messages.py  every message checked, then carried out on the tab's session
    session.py   one tab's run: the manual engine stepped a sample or an epoch at a time, with
                 nnfit explain's ledger of the last step (nnfit.explain.step_ledger)
    diagnose.py  plain-word diagnostics in Chinese and English
    static/      index.html, style.css, app.js (socket and controls), plot.js (canvas), ledger.js, i18n.js
"""
