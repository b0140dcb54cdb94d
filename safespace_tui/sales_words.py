"""The charter's no-money rule as patterns: what a soliciting message looks like (issue 11).

"No sales or marketing of any kind": a message that asks for money or sells something is held
before anyone sees it (services/no_sales.py). Each pattern is (kind, regular expression), matched
case-insensitively; an admin may replace the list (``[[solicitation_patterns]]`` in config.toml).
The kind names the rule for the member and the audit, never the text.

Judged by the corpus in tests/test_no_sales_words.py: ordinary talk about money ("I couldn't
afford therapy this month", "rent went up $200") is not held; only asking, selling and links are.
"""

from __future__ import annotations

# a price: $40, 40$, £12.50, 20 dollars, 15 bucks, 30 usd
_PRICE = r"(?:[$€£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:[$€£]|usd|eur|gbp|dollars?|bucks|euros?|pounds?)(?!\w))"
# words that turn a price into an offer
_SELLING = (
    r"\b(?:sell(?:ing|s)?|for sale|on sale|commissions?|(?:dm|pm|message|text) me"
    r"|order(?:s|ing)? (?:now|yours|today|here|one)"
    r"|pre-?orders?|discount|promo|coupon|free shipping|shipping included|plus shipping"
    r"|buy (?:now|one|mine|from me|it here|here)"
    r"|slots? (?:open|available|left)|price list|only \d+ left|per (?:piece|item|print|copy|bottle)|a piece)\b"
    r"|\d+\s?% off\b"
)
_PAY_APPS = r"(?:venmo|cash\s?app|paypal|zelle|revolut|ko-?fi|patreon|buy\s?me\s?a\s?coffee)"
_LINK = r"(?:https?://|www\.|\b[a-z0-9-]+\.(?:com|org|net|me|io|co|shop|store|link|ly)/)"

DEFAULT_SOLICITATION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("a payment handle", r"(?<![\w$])\$[a-z][a-z0-9_]{2,19}\b(?!\s?\d)"),
    ("a payment handle", rf"\b{_PAY_APPS}\s*(?:me\b|@|:|\.me\b|handle|is\s+@|username)"),
    (
        "a payment handle",
        rf"\b(?:send|tip|pay|donate|chip in|throw)\b[^\n]{{0,40}}\b(?:my|me on|via|through|on)\s+{_PAY_APPS}",
    ),
    ("a price with an offer", rf"^(?=[\s\S]*{_PRICE})(?=[\s\S]*{_SELLING})"),
    (
        "an offer to sell",
        r"\b(?:commissions? (?:are )?open|dm me to (?:order|buy)|(?:use|with) my (?:code|link)|discount code|promo code"
        r"|affiliate link|referral link|join my team|business opportunity"
        r"|(?:check out|visit|support) my (?:shop|store|etsy)"
        r"|link in (?:my )?bio|(?:guaranteed|passive) (?:income|returns|profit)|work from home opportunity"
        r"|\d+\s?% off (?:my|with|your|all|everything)|(?:with|use) (?:the )?code [a-z0-9]+"
        r"|support my (?:small )?business)\b",
    ),
    (
        "a fundraiser link",
        r"\b(?:gofundme\.com|gofund\.me|justgiving\.com|donorbox\.org|givebutter\.com|fundly\.com|kickstarter\.com"
        r"|indiegogo\.com|patreon\.com|ko-fi\.com|buymeacoffee\.com|paypal\.me|cash\.app|venmo\.com|gogetfunding\.com"
        r"|fundrazr\.com|spotfund\.com)",
    ),
    (
        "a request for donations",
        r"\b(?:(?:my|our) (?:gofundme|go fund me|fundraiser|crowdfund(?:er|ing)?)"
        r"|please (?:donate|chip in|contribute|give what you can)"
        r"|(?:donate|donations?) (?:here|link|via|at|to my|to our)"
        r"|every (?:dollar|little bit|donation) (?:helps|counts))\b",
    ),
    ("a request for donations", rf"^(?=[\s\S]*\b(?:donat\w*|fundrais\w*|crowdfund\w*)\b)(?=[\s\S]*{_LINK})"),
    (
        "a shop link",
        r"\b(?:etsy\.com|etsy\.me|myshopify\.com|ebay\.[a-z.]+/|gumroad\.com|redbubble\.com|teespring\.com|depop\.com"
        r"|bigcartel\.com|storenvy\.com|society6\.com|amazon\.[a-z.]+/(?:shop|stores|dp)|amzn\.to|linktr\.ee|poshmark\.com"
        r"|mercari\.com|onlyfans\.com)",
    ),
    ("a shop link", rf"^(?=[\s\S]*\bmy (?:shop|store|etsy|merch)\b)(?=[\s\S]*{_LINK})"),
    ("a crypto address", r"(?-i:\bbc1[a-z0-9]{25,59}\b|\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\b|\b0x[a-fA-F0-9]{40}\b)"),
    (
        "a crypto address",
        r"\b(?:send|donate|tip)\b[^\n]{0,40}\b(?:btc|eth|bitcoin|ethereum|usdt|crypto|doge|monero|xmr)\b",
    ),
)
