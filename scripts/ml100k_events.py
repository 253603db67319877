#!/usr/bin/env python3
"""New ML-100k rating events for one day after the data's end, as NDJSON for `mlops import events --format ndjson`.

usage: ml100k_events.py DATA_DIR DAY COUNT SEED [--genre GENRE --share S]
  Without --genre users and (title, rating) pairs are drawn from u.data's rows, so user activity, title popularity and
  ratings follow the data the champion was trained on (the control); every pair is one the user had not rated. With
  --genre, a share S of the events draw their title from that genre's ratings: a planted genre surge.
Timestamps are uniform over DAY (UTC); the same arguments give the same bytes.
"""
import json, random, sys
from datetime import datetime, timezone

GENRES = ["unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]

def main(argv):
    data, day, count, seed = argv[0], argv[1], int(argv[2]), int(argv[3])
    genre = argv[argv.index("--genre") + 1] if "--genre" in argv else None
    share = float(argv[argv.index("--share") + 1]) if "--share" in argv else 0.0
    rng = random.Random(seed)
    ratings = [line.split("\t")[:3] for line in open(f"{data}/u.data", encoding="latin-1")]
    surge = []
    if genre:
        column = GENRES.index(genre)
        titles = {row.split("|")[0] for row in open(f"{data}/u.item", encoding="latin-1") if row.strip() and row.split("|")[5 + column] == "1"}
        surge = [r for r in ratings if r[1] in titles]
    start = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp())
    rated = {(r[0], r[1]) for r in ratings}
    for i in range(count):
        # The user from one rating and the title (with its rating) from another: a pair the user has not rated yet,
        # with ML-100k's own user activity, title popularity and per-title ratings. (Re-using a whole u.data triple
        # would re-rate a title the champion was trained on, and leak it into the next run's held-out window.)
        while True:
            user = rng.choice(ratings)[0]
            _, item, rating = rng.choice(surge if surge and rng.random() < share else ratings)
            if (user, item) not in rated:
                break
        rated.add((user, item))
        at = datetime.fromtimestamp(start + rng.randrange(86400), timezone.utc).isoformat()
        print(json.dumps({"eventId": f"planted-{day}-{seed}-{i}", "userId": user, "contentId": item, "timestamp": at,
                          "eventType": "rate", "rating": int(rating), "ratingScaleMax": 5}))

if __name__ == "__main__":
    main(sys.argv[1:])
