"""The demo's people, products and ticket texts: data for helpdesk.demo."""

from dataclasses import dataclass

from helpdesk.models import Priority, Status

PASSWORD = "helpdesk-demo"
ADMIN = ("Ada Okafor", "admin@helpdesk.example")
AGENTS = [
    ("Marco Rossi", "marco@helpdesk.example"),
    ("Priya Natarajan", "priya@helpdesk.example"),
    ("Jonas Weber", "jonas@helpdesk.example"),
]
# Organization -> (its customers, the modules it files tickets about).
# A partner (seed 003): a consultancy's contact who also manages two customers' help desks.
PARTNER = ("Elif Demir", "elif@ledgerline.example", "Ledgerline Partners")
PARTNER_MANAGES = ("Nimbus Wallet", "Mintpay Labs")

ORGANIZATIONS: dict[str, tuple[list[tuple[str, str, str | None]], list[str]]] = {
    "Nimbus Wallet": (
        [
            ("Lena Fischer", "lena@nimbuswallet.example", "@lena_fischer"),
            ("Tom Becker", "tom@nimbuswallet.example", None),
            ("Aiko Tanaka", "aiko@nimbuswallet.example", "@aiko_t"),
        ],
        ["Wallet", "Account & Security", "Portfolio Tracker"],
    ),
    "Harborline Exchange": (
        [
            ("Carlos Mendes", "carlos@harborline.example", "@cmendes"),
            ("Sofia Lindqvist", "sofia@harborline.example", None),
            ("Omar Haddad", "omar@harborline.example", "@omar_hd"),
        ],
        ["Exchange", "Account & Security", "Wallet", "Payments API"],
    ),
    "Validator Collective": (
        [
            ("Nina Petrova", "nina@validatorcollective.example", "@nina_validates"),
            ("Kwame Mensah", "kwame@validatorcollective.example", None),
        ],
        ["Staking", "Wallet", "Portfolio Tracker"],
    ),
    "Mintpay Labs": (
        [
            ("Grace Liu", "grace@mintpay.example", "@grace_liu"),
            ("Daniel Novak", "daniel@mintpay.example", None),
            ("Fatima Zahra", "fatima@mintpay.example", "@fzahra"),
        ],
        ["Payments API", "Account & Security", "Exchange"],
    ),
}
MODULES = [
    "Wallet",
    "Exchange",
    "Staking",
    "Portfolio Tracker",
    "Payments API",
    "Account & Security",
]


@dataclass(frozen=True)
class Template:
    module: str
    category: int  # position of the default category: 1 General Support ... 5 Custom Report
    summary: str
    description: str
    wallet: str | None = None  # "address" or "tx": what goes in the wallet address field
    codes: tuple[str, ...] = ()
    device: bool = False
    provider: bool = False
    priority: Priority = Priority.NORMAL


T = Template
# A data table: one ticket kind per entry, kept compact.
# fmt: off
TEMPLATES = [
    T("Wallet", 2, "Balance not updated after {asset} deposit",
      "We sent {amount} {asset} to {address} {days} days ago. The transaction ({tx}) is "
      "confirmed on-chain but the wallet still shows the old balance.",
      wallet="tx", provider=True, priority=Priority.HIGH),
    T("Wallet", 2, "Transaction stuck as pending: {code}",
      "A {asset} transfer from {address} has been pending for hours and the app shows {code}. "
      "Speeding it up fails with the same error.",
      wallet="address", codes=("ERR_NONCE_TOO_LOW", "ERR_REPLACEMENT_UNDERPRICED", "WLT-1042"),
      provider=True, priority=Priority.HIGH),
    T("Wallet", 1, "{provider} not detected on {device}",
      "The hardware wallet connects fine in its own app but ours keeps saying 'no device "
      "found'. Tried two cables and a different USB port.",
      device=True, provider=True),
    T("Wallet", 2, "Imported seed phrase shows a different address",
      "After importing our recovery phrase the first account shows a different address than "
      "{address}. Is the derivation path different?",
      wallet="address", priority=Priority.URGENT),
    T("Wallet", 4, "Support for SPL tokens on Solana",
      "Several of our users hold SPL tokens and would like to see them in the wallet."),
    T("Exchange", 1, "Withdrawal to {address} on hold for {days} days",
      "A withdrawal of {amount} {asset} has been 'under review' for {days} days. No e-mail "
      "explained why. Can you release it or tell us what is missing?",
      wallet="address", priority=Priority.URGENT),
    T("Exchange", 2, "Order book shows stale prices for {asset}/USDT",
      "The order book for {asset}/USDT stops updating for a minute or two several times a "
      "day, while the trade history keeps moving.",
      device=True, priority=Priority.HIGH),
    T("Exchange", 2, "Limit order filled at the wrong price ({code})",
      "Our limit order for {amount} {asset} was filled well above the limit. The order "
      "details show {code}.",
      codes=("EXC-4107", "EXC-4110"), priority=Priority.HIGH),
    T("Exchange", 2, "API returns {code} on /v2/orders below the documented limit",
      "We send about 5 requests per second, well below the documented 20, and still get "
      "{code} responses.",
      codes=("EXC-429",)),
    T("Exchange", 5, "Monthly trade export for the tax report",
      "Our accountants need every trade of the month with fees in EUR, one CSV per "
      "sub-account."),
    T("Staking", 2, "Staking rewards missing for epoch {epoch}",
      "Rewards for epoch {epoch} never arrived in {address}. Earlier epochs were paid as "
      "usual.",
      wallet="address", priority=Priority.HIGH),
    T("Staking", 1, "Unstaking takes longer than documented",
      "We unstaked {amount} {asset} {days} days ago; the docs say funds arrive after 2 days."),
    T("Staking", 2, "Validator shown as jailed: {code}",
      "The dashboard shows our validator as jailed with {code}, but the explorer shows it "
      "signing blocks.",
      codes=("STK-503", "STK-510"), priority=Priority.URGENT),
    T("Staking", 4, "Option to auto-compound rewards",
      "We would like rewards to be restaked automatically every epoch."),
    T("Portfolio Tracker", 2, "Portfolio value wrong after a token swap",
      "After swapping {asset} for USDC the portfolio shows both the old and the new "
      "position. Swap transaction: {tx}.",
      wallet="tx"),
    T("Portfolio Tracker", 2, "Duplicate transactions after CSV import",
      "Importing our transaction CSV twice created duplicates instead of skipping the rows "
      "already there.",
      device=True),
    T("Portfolio Tracker", 5, "Cost basis report per wallet",
      "Could we get the cost basis broken down per wallet rather than per asset?"),
    T("Portfolio Tracker", 3, "Show DeFi positions on the dashboard",
      "Liquidity pool positions are missing from the dashboard totals."),
    T("Payments API", 2, "Webhook signature verification fails ({code})",
      "Since this morning every webhook fails our signature check with {code}. We did not "
      "rotate the secret.",
      codes=("PAY-401 invalid_signature",), priority=Priority.URGENT),
    T("Payments API", 2, "Invoice marked expired although it was paid",
      "The customer paid {amount} {asset} within the window ({tx}) but the invoice expired "
      "and the webhook never came.",
      wallet="tx", priority=Priority.HIGH),
    T("Payments API", 4, "Settlement in USDC on Polygon",
      "We would like to be settled in USDC on Polygon instead of Ethereum to save on fees."),
    T("Payments API", 2, "Sandbox returns {code} on /v1/invoices",
      "Creating an invoice in the sandbox fails with {code} for any amount above 1000.",
      codes=("PAY-500", "PAY-502")),
    T("Account & Security", 1, "2FA codes rejected after phone change",
      "I moved my authenticator to a new phone ({device}) and now every code is rejected "
      "with {code}.",
      codes=("AUTH-2FA-07",), device=True, priority=Priority.HIGH),
    T("Account & Security", 1, "Locked out after too many login attempts",
      "A colleague mistyped the password and now the account shows {code}. How long does "
      "the lock last?",
      codes=("AUTH-LOCK-3",)),
    T("Account & Security", 1, "Whitelist a new withdrawal address",
      "Please add {address} to our withdrawal whitelist; the request from our dashboard "
      "failed.",
      wallet="address"),
    T("Account & Security", 1, "Login notification from an unknown IP",
      "We got a 'new login' e-mail from an IP in a country none of us is in. Nothing seems "
      "changed, but please check.",
      priority=Priority.URGENT),
    T("Account & Security", 3, "Read-only role for our finance team",
      "Our finance team needs to see balances and exports without being able to withdraw."),
]
# fmt: on

AGENT_REPLIES = [
    "Thanks for the details, {first}. I can reproduce this and I'm looking into it now.",
    "We have passed this to the {module} team; I'll update you as soon as I hear back.",
    "Thanks for reporting this, {first}. It looks related to last week's {module} release; "
    "checking now.",
    "I've had a first look: nothing wrong on your side so far. Digging deeper.",
]
QUESTIONS = [
    "Could you send us a screenshot and the exact time (with timezone) when this happened?",
    "Which app version are you on? You'll find it under Settings > About.",
    "Could you confirm the network you used and the full transaction hash?",
    "Can you try again with the latest version and tell us whether the error persists?",
]
CUSTOMER_REPLIES = [
    "Here is the screenshot. It happened around {hour}:{minute:02d} UTC.",
    "Still happening on the latest version, unfortunately.",
    "We tried again this morning, same result.",
    "Network was {asset} mainnet, hash as in the description.",
    "Any update on this? Our users are asking.",
]
NOTES = [
    "Node logs show the indexer fell behind at block {block}; re-indexing.",
    "Looks like the known {module} issue from release 4.{minor}; linked to the bug.",
    "Enterprise plan: keep the response time under 4 hours.",
    "Asked the chain team to look at the batch that contains this transaction.",
    "Same report from another customer this week: probably not account-specific.",
]
RESOLUTIONS = [
    "Fixed: everything shows correctly again after re-indexing. Please confirm on your side.",
    "We deployed a fix in today's release. Let us know if you still see it.",
    "Done: this is now available in your account settings.",
    "The root cause was on our side and is fixed. Sorry for the trouble!",
]
REJECTIONS = [
    "It worked for a day and now it's back.",
    "Still not fixed: the numbers are wrong again this morning.",
]
FEEDBACK: dict[int, list[str | None]] = {
    5: ["Quick and clear, thanks!", "Great support as always.", None],
    4: ["Resolved, but it took a while.", "Good, thanks.", None],
    3: ["Fixed, but I had to ask twice for updates."],
    2: ["Took almost a week for something simple."],
    1: ["Nobody answered for days."],
}
# Chat with a Cyber Hero. {summary} is the ticket's summary starting in lower case, {agent}
# the Cyber Hero's first name; the rest are the ticket's details, as in the texts above.
CHAT_OPENERS = [
    "Hi! {summary}.",
    "Hello! {summary}. Can someone help?",
    "Hi there, quick one: {summary}.",
]
CHAT_GREETINGS = [
    "Hi {first}, {agent} here. Let me have a look.",
    "Hello {first}, thanks for waiting. I'm {agent}, I'll take this one.",
]
# Per module: the Cyber Hero's questions, each with the customer's answer.
CHAT_EXCHANGES: dict[str, list[tuple[str, str]]] = {
    "Wallet": [
        ("Which device and app version are you on?", "{device}, app version 4.{minor}."),
        ("Could you paste the address or the transaction hash?", "Here it is: {tx}"),
    ],
    "Exchange": [
        ("Is this in the web app or through the API?", "The web app, on {device}."),
        ("Which asset and amount was it?", "{amount} {asset}."),
    ],
    "Staking": [
        ("Which address are the rewards paid to?", "{address}"),
        ("Since when is it happening?", "Epoch {epoch} was the first one that looked wrong."),
    ],
    "Portfolio Tracker": [
        ("Which wallet is affected?", "The main one, {address}."),
        ("Does refreshing the portfolio change anything?", "No, same numbers after a refresh."),
    ],
    "Payments API": [
        ("Production or the sandbox?", "Production, since about {hour}:{minute:02d} UTC."),
        ("Could you send the transaction it is about?", "This one: {tx}"),
    ],
    "Account & Security": [
        ("Which device are you signing in from?", "{device}."),
        ("When did it start?", "Today around {hour}:{minute:02d} UTC."),
    ],
}
CHAT_WRAP_UPS = [
    "Thanks, that's all I need. I've put the details on your ticket; updates will come there.",
    "Got it. I'm passing this to the {module} team, you'll hear from us on the ticket.",
    "Thanks {first}. I'm on it and will write on the ticket as soon as I know more.",
]
CHAT_THANKS = ["Thanks!", "Great, thank you.", "Perfect, thanks for the quick help."]
# A customer back on an open ticket, by "Chat Now".
CHAT_FOLLOW_UPS = [
    "Hi, about ticket #{number}: is there any news?",
    "Hello, I'm back about #{number}, it's still happening.",
]

ASSETS = ["ETH", "BTC", "USDT", "USDC", "SOL", "MATIC", "ARB"]
PROVIDERS = ["MetaMask", "Ledger Nano X", "Trezor Model T", "Trust Wallet", "Rabby"]
DEVICES = [
    "iPhone 15 Pro, iOS 17.5",
    "Pixel 8, Android 14",
    "Samsung Galaxy S23, Android 14",
    "MacBook Air M2, Chrome 126",
    "Windows 11, Firefox 127",
    "Ubuntu 24.04, Brave 1.67",
]
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
HEX = "0123456789abcdef"

# Chance of each final status by the ticket's age: old tickets are mostly closed.
STATUS_WEIGHTS = [
    (7, [30, 30, 20, 15, 5]),
    (30, [10, 20, 15, 20, 35]),
    (999, [3, 5, 4, 8, 80]),
]
STATUSES = list(Status)
# A big demo (helpdesk/demo_bulk.py) reaches back years: tickets older than three months are
# almost all closed, a few resolved and never confirmed, a handful still open.
BULK_STATUS_WEIGHTS: list[tuple[int | None, list[float]]] = [
    (7, [30, 30, 20, 15, 5]),
    (30, [10, 20, 15, 20, 35]),
    (90, [3, 5, 4, 8, 80]),
    (None, [0.1, 0.2, 0.2, 1.5, 98]),
]
