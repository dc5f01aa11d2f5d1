"""Starts hypercorn or gunicorn on a socket bound here to 127.0.0.1:0 (no port race), prints
`PORT <n>` on stdout, then becomes the server (exec), inheriting the socket as fd://N.

  python3 serve.py hypercorn quart_app:app
  python3 serve.py gunicorn flask_app:app [THREADS]   (gthread threads, default 4)
"""
import os
import socket
import sys

kind, app = sys.argv[1], sys.argv[2]
threads = sys.argv[3] if len(sys.argv) > 3 else "4"
here = os.path.dirname(os.path.abspath(__file__))
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(128)
sock.set_inheritable(True)
fd = sock.fileno()
print("PORT %d" % sock.getsockname()[1], flush=True)
os.chdir(here)
if kind == "hypercorn":
    argv = [sys.executable, "-m", "hypercorn", "--bind", "fd://%d" % fd, "--workers", "1", "--keep-alive", "30", app]
elif kind == "gunicorn":
    argv = [sys.executable, "-m", "gunicorn", "--bind", "fd://%d" % fd, "--workers", "1", "--worker-class", "gthread",
            "--threads", threads, "--keep-alive", "30", "--graceful-timeout", "1", app]
else:
    sys.exit("unknown server %s" % kind)
os.execv(argv[0], argv)
