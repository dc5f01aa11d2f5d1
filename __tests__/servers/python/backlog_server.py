"""A server whose accept queue overflows: a listen backlog of 8, one connection served at a time, and
one stall of STALL seconds on the second /chat request (the first of a stage after the 1-user one).
While it stalls, the connects of the next stage's users fill the accept queue and Linux drops the
SYNs past it; their clients send them again after TCP's 1 s timeout, then 2 s later.

  python3 backlog_server.py [STALL]   (prints `PORT <n>`; GET /health, GET /chat: a short SSE answer)
"""
import socket
import sys
import time

STALL = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(8)
print("PORT %d" % sock.getsockname()[1], flush=True)

chats = 0
while True:
    conn, _ = sock.accept()
    try:
        conn.settimeout(5)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            part = conn.recv(4096)
            if not part:
                break
            head += part
        path = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b"/"
        if path.startswith(b"/chat"):
            chats += 1
            if chats == 2:
                time.sleep(STALL)
            body = b"data: hello\n\ndata: world\n\n"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    except OSError:
        pass
    finally:
        conn.close()
