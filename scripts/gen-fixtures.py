#!/usr/bin/env python3
"""Regenerates src/mock/data/fixtures.json, the mock's deterministic data.

Run from anywhere (schemas/ and the default output are found from this file):
    python3 scripts/gen-fixtures.py [--count N] [--seed S] [--partner-id ID] [--out PATH]
Limits (maximum lengths) are read from schemas/, never typed here, so values "exactly at the
documented maximum" stay exact when a schema changes. The default output is committed; the mock
embeds it. bench/run uses --count 100000 --out /tmp/... for a large data set.

Other data sets are one command away, so the suite can be run against a mock whose data it has
never seen (`serve --fixtures PATH` serves the partner id written here): another --seed gives
other ids, names and times; --count may be anything from 0 up (the values at each documented
maximum are placed on the customers that exist); --partner-id sets the partner the data belongs
to. With the defaults the output is byte for byte the committed src/mock/data/fixtures.json.
"""
import argparse
import json
import os
import random
from datetime import datetime, timedelta, timezone



def count(text):
    """A number of customers: any integer from 0 up."""
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


def partner_id(text):
    """A partner id: one non-empty path segment."""
    if not text or any(c in text for c in "/?#%") or text != text.strip():
        raise argparse.ArgumentTypeError("must be a non-empty path segment without / ? # % or spaces")
    return text


parser = argparse.ArgumentParser()
parser.add_argument("--count", type=count, default=240)
parser.add_argument("--seed", type=int, default=20241126)
parser.add_argument("--partner-id", type=partner_id, default="0a1b2c3d4e5f60718293a4b5c6d7e8f9")
parser.add_argument("--out", help="default: src/mock/data/fixtures.json of this repository")
args = parser.parse_args()

SEED = args.seed
COUNT = args.count
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

rng = random.Random(SEED)
info = json.load(open(f"{ROOT}/schemas/customers_v1/response.200.json"))["$defs"]["CustomerInfo"]["properties"]
limit = {name: prop.get("maxLength") for name, prop in info.items()}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚"
CN_CORP = ["科技有限公司", "信息技术有限公司", "云计算有限公司", "贸易有限公司", "数据服务有限公司"]
CN_CITY = ["深圳", "北京", "上海", "杭州", "成都", "西安", "南京", "广州"]
LATIN_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
               "Cyberdyne", "Soylent", "Tyrell", "Aperture", "Monarch", "Oscorp", "Wonka", "Gringotts"]
LATIN_SUFFIX = ["Ltd", "GmbH", "S.A.", "Pte. Ltd.", "Inc.", "LLC", "B.V.", "S.r.l."]
FIRST = ["anna", "ben", "carla", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jon",
         "kemal", "lucia", "mateo", "nadia", "omar", "priya", "quentin", "rosa", "sven", "tomas"]
LABELS = ["VIP", "vip", "Gold", "gold-tier", "Retail", "SMB", "Enterprise", "edu", "Gov", "Startup",
          "标签A", "重点客户", "Q3-campaign", "partner_referral"]
COUNTRY = ["0086", "0044", "0049", "0033", "0065", "0060", "0066", "0027", "0055", "0001"]


def at_max(field, alphabet):
    """A value exactly at the documented maximum length of a response field."""
    n = limit[field]
    return "".join(rng.choice(alphabet) for _ in range(n))


def customer(i):
    referral = i % 3 != 0  # roughly two referrals for every reseller
    kind = i % 5  # 0,1: Chinese enterprise; 2: Latin enterprise; 3: individual (null corp); 4: Chinese individual
    if kind in (0, 1):
        corp = rng.choice(CN_CITY) + "".join(rng.choice(GIVEN) for _ in range(2)) + rng.choice(CN_CORP)
    elif kind == 2:
        corp = f"{rng.choice(LATIN_WORDS)} {rng.choice(LATIN_WORDS)} {rng.choice(LATIN_SUFFIX)}"
    elif kind == 3:
        corp = None
    else:
        corp = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    domain = f"{rng.choice(FIRST)}{rng.choice(['', '_', '-', '.'])}{rng.choice(LATIN_WORDS).lower()}{i:03d}"
    start = datetime(2016, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 9 * 365 * 86400))
    record = {
        "customer_id": "%032x" % rng.getrandbits(128),
        "domain_name": domain,
        "corp_name": corp,
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cooperation_type": "1" if referral else "3",
        "telephone": f"1{rng.randint(30, 89)}{rng.randint(0, 99999999):08d}",
        "verifiedStatus": rng.choice(["-1", "0", "1", "2", "2", "2"]),
        "countryCode": rng.choice(COUNTRY),
    }
    if i % 7 != 0:  # some customers carry no tag at all
        record["label"] = rng.choice(LABELS)
    if not referral:
        credit = rng.choice([100, 250, 500, 1000, 1500.5, 2000, 5000, 12345.67])
        used = round(rng.uniform(0, float(credit)), 2)
        record["budget"] = {"creditAmount": credit, "usedAmount": used, "measureId": 1, "currency": "USD"}
    return record


customers = [customer(i) for i in range(COUNT)]

# Values exactly at each documented maximum, in both scripts; then an individual whose real name
# is empty rather than null, and a Latin name with mixed case. Each lands on the customer of its
# index when there is one (a small data set has fewer of them).
SPECIAL = [
    (1, "customer_id", lambda: at_max("customer_id", "0123456789abcdef")),
    (2, "domain_name", lambda: at_max("domain_name", "abcdefghijklmnopqrstuvwxyz0123456789")),
    (3, "corp_name", lambda: at_max("corp_name", "华为云伙伴客户数据服务")),
    (4, "corp_name", lambda: at_max("corp_name", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
    (5, "label", lambda: at_max("label", "abcdefXYZ-")),
    (6, "telephone", lambda: at_max("telephone", "0123456789")),
    (8, "countryCode", lambda: at_max("countryCode", "0123456789")),
    (9, "label", lambda: at_max("label", "标签客户")),
    (10, "corp_name", lambda: ""),
    (11, "label", lambda: "VipGold"),
]
for index, field, value in SPECIAL:
    if index < COUNT:
        customers[index][field] = value()

# Fields only the new generation (customers_v2, budget_v2) serves, derived without the random
# generator so every value above stays as it was.
for i, record in enumerate(customers):
    kind = i % 5
    extra = {
        "customer_type": 0 if kind in (3, 4) else 1,
        "is_frozen": 1 if i % 23 == 0 else 0,
        "customer_level": "V%d" % (i % 6),
    }
    # The fields only the new pages list, on some customers, so every documented field of a
    # new record is served somewhere (and absent elsewhere, as the pages allow).
    if i % 3 == 0:
        extra["email"] = "customer%d@example.com" % i
        extra["xaccount_id"] = "xacc-%06d" % i
        extra["xaccount_type"] = "partner-platform"
        extra["account_managers"] = [{"account_name": "manager-%d" % (i % 7)}]
    if "budget" in record:
        extra["budget"] = {"budget_type": "PACKAGE" if i % 4 == 0 else "MONTHLY"}
    record["v2"] = extra

fixtures = {
    "description": "Deterministic data of the partner-conformance mock. Regenerate with scripts/gen-fixtures.py.",
    "partner_id": args.partner_id,
    "customers": customers,
    "aicc_tenant": {
        "mobilePhone": "15312340991",
        "company": "Huawei Technologies",
        "customerName": "zhangsan",
        "email": "sunkai123@huawei.com",
        "vdn": "150",
        "createDate": 1681203525000,
        "tenantSpaceStatus": "2",
        "portalUrl": "https://software.huawei.com/auth?client_id=xxxxx&redirect_uri=https://xxx.com/service-cloud/sm/login/portal.html",
    },
}

with open(args.out or os.path.join(ROOT, "src/mock/data/fixtures.json"), "w", encoding="utf-8") as out:
    json.dump(fixtures, out, ensure_ascii=False, indent=1)
    out.write("\n")
print(f"wrote {len(customers)} customers")
