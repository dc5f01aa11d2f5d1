"""A streaming chat endpoint on Flask, served by gunicorn's gthread worker with 4 threads: each
request holds a thread for its whole answer, so at most 4 are served at once.

GET /chat?ttfc=SECONDS&events=N&interval=SECONDS&size=BYTES
"""
import time

from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/chat")
def chat():
    a = request.args
    ttfc = float(a.get("ttfc", "0.3"))
    events = int(a.get("events", "20"))
    interval = float(a.get("interval", "0.05"))
    size = int(a.get("size", "40"))

    def body():
        time.sleep(ttfc)  # the model's time to first token
        for i in range(events):
            if i:
                time.sleep(interval)
            yield "data: %s\n\n" % ("w%d " % i).ljust(size, "x")

    return Response(body(), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})


@app.route("/health")
def health():
    return "ok"
