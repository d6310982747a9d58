"""gunicorn settings for every server started from this folder (gunicorn reads
./gunicorn.conf.py by default): scripts/serve-prod.sh, the benches and the tests.

The gthread worker keeps connections open between requests (HTTP keep-alive), as
browsers, wrk and nginx's upstream pool use them; sync workers close every connection
after one response, so each request paid a new TCP connection.

One thread per worker: each process still serves one request at a time, as a sync
worker does. More threads gave no measurable gain on this 2-core machine, and each one
holds a database connection of its own. Command-line options override these.
"""

worker_class = "gthread"
threads = 1
# Longer than nginx keeps an idle upstream connection (deploy/nginx/hcpcs.conf), so
# gunicorn never closes one that nginx is about to reuse.
keepalive = 5
