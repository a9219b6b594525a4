#!/usr/bin/env python3
"""Points the official Huawei Cloud Python SDK (huaweicloudsdkbssintl, BssintlClient) at a
partner-conformance mock and checks that what the SDK parses equals the expected data.

    python tests/sdk/sdk_conformance.py --endpoint http://127.0.0.1:PORT --mode aksk|token \
        --expected expected.json [--trace]

Credentials come from the environment only, never from the command line:
  aksk:  HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, and optionally HUAWEICLOUD_SDK_DOMAIN_ID (then the
         SDK also sends and signs X-Domain-Id, as GlobalCredentials(ak, sk, domain_id) does);
  token: HUAWEICLOUD_TOKEN, sent as X-Auth-Token.

The expected file (tests/it/python_sdk.rs writes it from the mock's fixtures) is JSON:
  {"customers": [{customer_id, account_name, customer, associated_on, association_type, label,
                  telephone, verified_status, country_code, [customer_type, is_frozen, ...]},
                 ...],   # in the mock's order
   "budgets": {"<customer_id>": {"budget_amount": "<decimal text>", "used_amount": "<decimal text>",
                                 "measure_id": 1, "currency": "USD", [budget_type]}, ...},
   "account_name_fragment": "<text for the fuzzy account_name query>"}
Every key of a customer or budget names an attribute of the SDK's model (CustomerInformation,
ShowSubCustomerBudgetResponse) and is compared with it, value and type; null means the SDK must
parse None. Amounts are decimal text, compared as Decimal, never as float.

What is called: ListSubCustomers paged with offset/limit 100 until every customer is read, once
filtered on association_type "3", once on the account_name fragment (fuzzy: substring); and
ShowSubCustomerBudget for every customer in "budgets", and for one referral customer (association
type "1", no budget) whose call must fail with HTTP 400.

Prints a short summary; exits 0 when everything matches, 1 with the differences (and the last
request the SDK sent and the answer it got) otherwise, 2 when the SDK cannot be imported or the
arguments are wrong. No credential value is ever printed: every line goes through redact().
"""

import argparse
import json
import logging
import os
import sys
from decimal import Decimal
from urllib.parse import urlparse

AMOUNT_FIELDS = ("budget_amount", "used_amount")
PAGE_LIMIT = 100
MAX_DIFFERENCES = 20
SECRET_VARIABLES = ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_TOKEN")


def secret_values():
    return [v for v in (os.environ.get(name) for name in SECRET_VARIABLES) if v]


def redact(text):
    text = str(text)
    for value in secret_values():
        text = text.replace(value, "<redacted>")
    return text


def say(text="", stream=sys.stdout):
    print(redact(text), file=stream, flush=True)


class Failed(Exception):
    """A difference or an unexpected answer; the message names what differs."""


class Trace:
    """What the SDK sent and got, recorded through its HttpHandler hooks. Header values are not
    kept (Authorization and X-Auth-Token carry credentials); bodies are (they carry none)."""

    def __init__(self, verbose):
        self.verbose = verbose
        self.last_request = None
        self.last_response = None

    def on_request(self, **kwargs):
        request = kwargs["request"]
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.last_request = {
            "method": request.method,
            "uri": request.uri,
            "host": request.host,
            "signed_header_names": sorted(request.header_params),
            "body": body,
        }
        self.last_response = None
        if self.verbose:
            say("  -> %s" % self.describe_request())

    def on_response(self, **kwargs):
        response = kwargs["response"]
        self.last_response = {
            "status": response.status_code,
            "content_type": response.headers.get("Content-Type"),
            # Every header requests put on the wire, the ones added after signing included.
            "sent_header_names": sorted(response.request.headers.keys()),
            "body": response.content[:400].decode("utf-8", "replace"),
        }
        if self.verbose:
            say("  <- %s" % self.describe_response())

    def describe_request(self):
        r = self.last_request
        if r is None:
            return "(no request was sent)"
        return "%s %s (host %s) headers set by the SDK: %s; body bytes: %r" % (
            r["method"], r["uri"], r["host"], ", ".join(r["signed_header_names"]), r["body"])

    def describe_response(self):
        r = self.last_response
        if r is None:
            return "(no answer was received)"
        return "%s %s; headers on the wire: %s; body: %r" % (
            r["status"], r["content_type"], ", ".join(r["sent_header_names"]), r["body"])


def load_sdk():
    try:
        from huaweicloudsdkcore.auth.credentials import Credentials, GlobalCredentials
        from huaweicloudsdkcore.client import ClientBuilder
        from huaweicloudsdkcore.exceptions import exceptions
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkcore.http.http_handler import HttpHandler
        from huaweicloudsdkcore.signer.signer import Signer
        from huaweicloudsdkbssintl.v2 import (BssintlClient, CustomerInformation,
                                              ListSubCustomersRequest, QuerySubCustomerListReq,
                                              ShowSubCustomerBudgetRequest)
    except ImportError as e:
        say("sdk_conformance: the Huawei Cloud SDK is not importable (%s); run bash .ci/sdk-venv"
            % e, sys.stderr)
        sys.exit(2)

    class TokenCredentials(Credentials):
        """An IAM token sent as X-Auth-Token instead of an AK/SK signature.

        huaweicloudsdkcore 3.1.219 has no token credential: BasicCredentials and
        GlobalCredentials always sign with AK/SK (Signer, SDK-HMAC-SHA256), and without an AK/SK
        they fetch temporary keys from IAM/STS or the ECS metadata service, none of which a mock
        on 127.0.0.1 has. The partner APIs also accept an IAM token in X-Auth-Token, so this
        class does what signing would (fix the request URI) and adds that header instead.
        BssintlClient.new_builder() only takes GlobalCredentials (it checks the class name), so
        the client is built with ClientBuilder(BssintlClient, "GlobalCredentials,TokenCredentials"),
        the same builder with this class allowed too.
        """

        def __init__(self, token):
            super().__init__()
            self._token = token

        def process_auth_params(self, http_client, region_id):
            return self  # nothing to look up (the base class would return None)

        def get_update_path_params(self):
            return {}

        def process_sts(self, http_client):
            pass  # with no AK/SK the base class would ask the ECS metadata service for keys

        def sign_request(self, request):
            request.header_params["X-Auth-Token"] = self._token
            Signer.process_request_uri(request)
            return request

        def __repr__(self):
            return "TokenCredentials(<redacted>)"

    return {
        "GlobalCredentials": GlobalCredentials,
        "TokenCredentials": TokenCredentials,
        "ClientBuilder": ClientBuilder,
        "HttpConfig": HttpConfig,
        "HttpHandler": HttpHandler,
        "BssintlClient": BssintlClient,
        "CustomerInformation": CustomerInformation,
        "ListSubCustomersRequest": ListSubCustomersRequest,
        "QuerySubCustomerListReq": QuerySubCustomerListReq,
        "ShowSubCustomerBudgetRequest": ShowSubCustomerBudgetRequest,
        "ServiceResponseException": exceptions.ServiceResponseException,
    }


def required_env(name):
    value = os.environ.get(name)
    if not value:
        say("sdk_conformance: %s is not set" % name, sys.stderr)
        sys.exit(2)
    return value


def build_client(sdk, endpoint, mode, trace):
    # The SDK logs connection errors itself, past redact(); run() reports every exception.
    logging.getLogger("HuaweiCloud-SDK-BssintlClient").addHandler(logging.NullHandler())
    config = sdk["HttpConfig"].get_default_config()
    config.timeout = (5, 30)
    config.retry_times = 0
    handler = sdk["HttpHandler"]().add_request_handler(trace.on_request) \
        .add_response_handler(trace.on_response)
    if mode == "aksk":
        credentials = sdk["GlobalCredentials"](required_env("HUAWEICLOUD_SDK_AK"),
                                               required_env("HUAWEICLOUD_SDK_SK"))
        domain_id = os.environ.get("HUAWEICLOUD_SDK_DOMAIN_ID")
        if domain_id:
            credentials = credentials.with_domain_id(domain_id)
        builder = sdk["BssintlClient"].new_builder()
    else:
        credentials = sdk["TokenCredentials"](required_env("HUAWEICLOUD_TOKEN"))
        builder = sdk["ClientBuilder"](sdk["BssintlClient"], "GlobalCredentials,TokenCredentials")
    # No region: with_region would make GlobalCredentials ask IAM for the domain id. An endpoint
    # that starts with http:// is used as it is (the builder prefixes https:// only to bare hosts).
    return builder.with_http_config(config) \
        .with_credentials(credentials) \
        .with_endpoints([endpoint]) \
        .with_http_handler(handler) \
        .build()


def plain(value):
    """An SDK model (a nested object such as an AccountManager) as the dict it was parsed from;
    lists element by element."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def same(actual, expected):
    """Equal in value and type (the SDK parses JSON strings as str, integers as int, objects as
    its models, compared through their fields)."""
    if expected is None:
        return actual is None
    if isinstance(expected, (list, dict)):
        return plain(actual) == expected
    return type(actual) is type(expected) and actual == expected


def check_amount(where, actual, expected_text, differences):
    if isinstance(actual, bool) or not isinstance(actual, (Decimal, int)):
        differences.append("%s: SDK parsed %r (%s), expected a Decimal equal to %s"
                           % (where, actual, type(actual).__name__, expected_text))
    elif Decimal(actual) != Decimal(expected_text):
        differences.append("%s: SDK parsed %s, expected %s" % (where, actual, expected_text))


def compare_customers(label, parsed, expected, differences):
    """parsed: CustomerInformation models; expected: dicts of attribute name to value."""
    if len(parsed) != len(expected):
        differences.append("%s: the SDK returned %d customers, expected %d"
                           % (label, len(parsed), len(expected)))
    for i, (model, want) in enumerate(zip(parsed, expected)):
        for field, value in want.items():
            if field not in type(model).openapi_types:
                differences.append("%s: the SDK's %s has no attribute %s"
                                   % (label, type(model).__name__, field))
                continue
            actual = getattr(model, field)
            if not same(actual, value):
                differences.append("%s: customer_infos[%d] (customer_id %s) field %s: SDK parsed "
                                   "%r, expected %r" % (label, i, want["customer_id"], field,
                                                        actual, value))


RAW_TYPES = {"str": (str,), "int": (int,)}


def check_raw_types(sdk, label, raw_content, differences):
    """The SDK turns any JSON value of a 'str' attribute into a string (str(3) == "3"), so it would
    hide a number where the contract has a string; the raw body is checked for that."""
    try:
        raw = json.loads(raw_content)
    except ValueError:
        differences.append("%s: the answer is not JSON: %r" % (label, raw_content[:200]))
        return
    if not isinstance(raw.get("count"), int) or isinstance(raw.get("count"), bool):
        differences.append("%s: count is %r, not an integer" % (label, raw.get("count")))
    types = sdk["CustomerInformation"].openapi_types
    for i, record in enumerate(raw.get("customer_infos") or []):
        for field, value in record.items():
            allowed = RAW_TYPES.get(types.get(field))
            if allowed and value is not None and (isinstance(value, bool)
                                                  or not isinstance(value, allowed)):
                differences.append("%s: customer_infos[%d].%s is JSON %r, the SDK's type is %s"
                                   % (label, i, field, value, types[field]))


def list_all(sdk, client, label, differences, **filters):
    """Pages through ListSubCustomers with limit 100; returns the models in order and the count."""
    records = []
    offset = 0
    count = None
    pages = 0
    while True:
        body = sdk["QuerySubCustomerListReq"](offset=offset, limit=PAGE_LIMIT, **filters)
        response = client.list_sub_customers(sdk["ListSubCustomersRequest"](body=body))
        pages += 1
        if response.status_code != 200:
            raise Failed("%s: offset %d answered %s" % (label, offset, response.status_code))
        check_raw_types(sdk, "%s offset %d" % (label, offset), response.raw_content, differences)
        page = response.customer_infos or []
        if count is None:
            count = response.count
        elif response.count != count:
            differences.append("%s: count %r at offset %d, %r at offset 0"
                               % (label, response.count, offset, count))
        if not isinstance(count, int):
            raise Failed("%s: count is %r" % (label, count))
        wanted = max(0, min(PAGE_LIMIT, count - offset))
        if len(page) != wanted:
            differences.append("%s: offset %d returned %d records, expected %d of count %d"
                               % (label, offset, len(page), wanted, count))
        records.extend(page)
        offset += PAGE_LIMIT
        if offset >= count or not page:
            break
        if pages > count // PAGE_LIMIT + 2:
            raise Failed("%s: paging does not end (count %d)" % (label, count))
    return records, count, pages


def run(args, sdk, expected, trace):
    client = build_client(sdk, args.endpoint, args.mode, trace)
    customers = expected["customers"]
    differences = []

    records, count, pages = list_all(sdk, client, "list all", differences)
    if count != len(customers):
        differences.append("list all: count is %r, expected %d" % (count, len(customers)))
    compare_customers("list all", records, customers, differences)
    say("list all: %d customers in %d pages, count %r" % (len(records), pages, count))

    resellers = [c for c in customers if c["association_type"] == "3"]
    records, count, pages = list_all(sdk, client, "association_type=3", differences,
                                     association_type="3")
    if count != len(resellers):
        differences.append("association_type=3: count is %r, expected %d" % (count, len(resellers)))
    compare_customers("association_type=3", records, resellers, differences)
    say("association_type=3: %d customers in %d pages" % (len(records), pages))

    fragment = expected["account_name_fragment"]
    fuzzy = [c for c in customers if fragment in c["account_name"]]
    if fuzzy != [c for c in customers if fragment.lower() in c["account_name"].lower()]:
        raise Failed("the account_name fragment %r matches differently with and without case; "
                     "choose another" % fragment)
    if not fuzzy:
        raise Failed("the account_name fragment %r matches no customer" % fragment)
    records, count, pages = list_all(sdk, client, "account_name~%s" % fragment, differences,
                                     account_name=fragment)
    if count != len(fuzzy):
        differences.append("account_name~%s: count is %r, expected %d"
                           % (fragment, count, len(fuzzy)))
    compare_customers("account_name~%s" % fragment, records, fuzzy, differences)
    say("account_name~%s: %d customers" % (fragment, len(records)))

    budgets = expected["budgets"]
    for customer_id, want in budgets.items():
        where = "budget of %s" % customer_id
        response = client.show_sub_customer_budget(
            sdk["ShowSubCustomerBudgetRequest"](customer_id=customer_id))
        if response.status_code != 200:
            raise Failed("%s: answered %s" % (where, response.status_code))
        for field, value in want.items():
            if field not in type(response).openapi_types:
                differences.append("%s: the SDK's %s has no attribute %s"
                                   % (where, type(response).__name__, field))
            elif field in AMOUNT_FIELDS:
                check_amount("%s %s" % (where, field), getattr(response, field), value,
                             differences)
            elif not same(getattr(response, field), value):
                differences.append("%s %s: SDK parsed %r, expected %r"
                                   % (where, field, getattr(response, field), value))
    say("budgets: %d resellers" % len(budgets))

    referral = next((c["customer_id"] for c in customers
                     if c["association_type"] == "1" and c["customer_id"] not in budgets), None)
    if referral is not None:
        try:
            client.show_sub_customer_budget(
                sdk["ShowSubCustomerBudgetRequest"](customer_id=referral))
            differences.append("budget of referral customer %s: succeeded, expected HTTP 400"
                               % referral)
        except sdk["ServiceResponseException"] as e:
            if e.status_code != 400:
                differences.append("budget of referral customer %s: HTTP %s (%s), expected 400"
                                   % (referral, e.status_code, e.error_code))
            else:
                say("budget of referral customer: HTTP 400 %s" % e.error_code)
    return differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True,
                        help="the mock's base URL, http://127.0.0.1:PORT")
    parser.add_argument("--mode", required=True, choices=("aksk", "token"))
    parser.add_argument("--expected", required=True, help="the expected JSON file")
    parser.add_argument("--trace", action="store_true",
                        help="print every request (header names and body bytes) and answer")
    args = parser.parse_args()

    host = urlparse(args.endpoint).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        say("sdk_conformance: %s is not a loopback endpoint" % args.endpoint, sys.stderr)
        return 2
    # The mock is on this machine: a proxy from the environment must not carry the requests.
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)
        os.environ.pop(name.upper(), None)

    with open(args.expected, encoding="utf-8") as f:
        expected = json.load(f)
    sdk = load_sdk()
    trace = Trace(args.trace)
    say("sdk_conformance: huaweicloudsdkbssintl BssintlClient, %s mode, against %s"
        % (args.mode, args.endpoint))
    try:
        differences = run(args, sdk, expected, trace)
    except Failed as e:
        say("FAILED: %s" % e)
        say("last request: %s" % trace.describe_request())
        say("its answer:   %s" % trace.describe_response())
        return 1
    except Exception as e:  # an SDK exception: its text has no credential, redact() makes sure
        say("FAILED: %s: %s" % (type(e).__name__, e))
        say("last request: %s" % trace.describe_request())
        say("its answer:   %s" % trace.describe_response())
        return 1
    if differences:
        say("FAILED: %d differences between what the SDK parsed and the expected data:"
            % len(differences))
        for line in differences[:MAX_DIFFERENCES]:
            say("  " + line)
        if len(differences) > MAX_DIFFERENCES:
            say("  ... and %d more" % (len(differences) - MAX_DIFFERENCES))
        return 1
    say("sdk_conformance: OK (%s mode)" % args.mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
