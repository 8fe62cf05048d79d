#!/usr/bin/env python3
"""bench/prep.py -- prepares the payment scenarios of bench/run.sh through the public API.

  prep.py BASE ADMIN_KEY KEY_SECRET OUT_DIR TAG EVENTS MEMBERS [WORKERS]

Creates EVENTS events and MEMBERS members, one order per member (member i on event i % EVENTS), and writes
  OUT_DIR/TAG.events      the event ids, one a line
  OUT_DIR/TAG.bodies      "<eventId>\t<confirm-payment JSON body>" a line, signed with KEY_SECRET
                          (lowercase hex HMAC-SHA256 of order_id|payment_id), each payment used once
  OUT_DIR/TAG.orders      "<eventId>\t<orderId>\t<paymentId>\t<amount>\t<currency>" a line
and prints "<requests> <seconds>" (the preparation rate) on stdout. Keep-alive connections, WORKERS threads.
"""
import hashlib, hmac, http.client, json, os, sys, threading, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor

base, key, secret, out, tag = sys.argv[1:6]
n_events, n_members = int(sys.argv[6]), int(sys.argv[7])
workers = int(sys.argv[8]) if len(sys.argv) > 8 else 16
u = urllib.parse.urlparse(base)
local = threading.local()
requests = 0

def call(method, path, body):
    global requests
    for attempt in range(5):
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            c.request(method, path, json.dumps(body), {"Content-Type": "application/json", "Authorization": "Bearer " + key})
            r = c.getresponse(); data = r.read()
            requests += 1
            if r.status >= 300:
                raise RuntimeError(f"{method} {path} -> {r.status} {data[:300]!r}")
            return json.loads(data)
        except (ConnectionError, http.client.HTTPException, OSError):
            c.close(); local.c = None
            if attempt == 4: raise
            time.sleep(0.2)

t0 = time.time()
events = [call("POST", "/api/events", {"name": f"bench-{tag}-{i}", "venue": "Bench Hall", "startsAt": "2027-06-01T18:00:00Z",
                                        "fee": {"amount": 50000, "currency": "INR"}})["id"] for i in range(n_events)]
tag_hash = hashlib.sha1((tag + str(t0)).encode()).hexdigest()[:10]

def one(i):
    m = call("POST", "/api/members", {"name": f"Member {i}", "phone": f"+9198{i % 100000000:08d}"})
    ev = events[i % n_events]
    o = call("POST", f"/api/public/events/{ev}/orders", {"memberId": m["id"]})
    pay = f"pay_{tag_hash}{i:09d}"
    sig = hmac.new(secret.encode(), (o["orderId"] + "|" + pay).encode(), hashlib.sha256).hexdigest()
    body = json.dumps({"memberId": m["id"], "razorpay_order_id": o["orderId"], "razorpay_payment_id": pay, "razorpay_signature": sig},
                      separators=(",", ":"))
    amt = o.get("amount") or {}
    return ev, body, o["orderId"], pay, amt.get("amount"), amt.get("currency")

with ThreadPoolExecutor(workers) as ex:
    rows = list(ex.map(one, range(n_members), chunksize=64))
with open(os.path.join(out, tag + ".events"), "w") as f:
    f.write("".join(e + "\n" for e in events))
with open(os.path.join(out, tag + ".bodies"), "w") as f:
    f.write("".join(f"{r[0]}\t{r[1]}\n" for r in rows))
with open(os.path.join(out, tag + ".orders"), "w") as f:
    f.write("".join(f"{r[0]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\n" for r in rows))
print(requests, round(time.time() - t0, 2))
