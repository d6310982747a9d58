"""gunicorn settings for every server started from this folder (gunicorn reads
./gunicorn.conf.py by default): scripts/serve-prod.sh, the benches and the tests.

Threaded workers keep connections open between requests (HTTP keep-alive), as
browsers, wrk and nginx's upstream pool use them; sync workers close every connection
after one response, and the new TCP connection per request cost more than serving a
stored page. Pages are CPU-bound Python, so a few threads per worker are enough for one
to read or write a socket while another runs. Command-line options override these.
"""

worker_class = "gthread"
threads = 4
# Longer than nginx keeps an idle upstream connection (deploy/nginx/hcpcs.conf), so
# gunicorn never closes one that nginx is about to reuse.
keepalive = 5
