"""Inputs that have broken text apps before: every page's text boxes and query values get them all."""

HOSTILE_INPUTS = [
    "",  # empty
    "   ",  # whitespace only
    "\t\n\r",  # other whitespace
    "a",  # one character
    "x " * 10_000,  # 10,000 words
    "é" * 1_000_000,  # a 1 MB string
    "🙂🚀 emoji 🤖 sentence 👍🏽",  # emoji, skin-tone modifier
    "👨‍👩‍👧‍👦 family",  # zero-width-joiner sequence
    "注意力机制 是 什么",  # Chinese
    "自己注意機構は面白い",  # Japanese, no spaces
    "انتباه الذات مهم",  # Arabic (RTL)
    "שלום עולם",  # Hebrew (RTL)
    "\u202eevil\u202c reversed",  # RTL override marks
    "zero\u200bwidth\u200cjoiners\u200d",  # zero-width characters
    "e\u0301\u0301\u0301 Z̴̡̛a̶l̷g̸o̵",  # combining marks, zalgo
    "control\x01\x02\x07\x1b[31m chars",  # control characters, ANSI escape
    "nul\x00byte",  # NUL
    "<script>alert('x')</script>",  # HTML injection
    "<img src=x onerror=alert(1)>",  # HTML attribute injection
    "<b>bold</b> <i>it</i>",  # harmless-looking HTML
    "**bold** _it_ [link](http://x) # h1",  # Markdown
    "$x^2$ $$\\int$$ \\frac{a}{b}",  # LaTeX
    "\\ \\\\ {} {{}} }{ \\text{",  # backslashes and braces
    "%s %d {0} {name} %(x)s",  # format strings
    "'; DROP TABLE words; --",  # SQL-ish
    "../../etc/passwd",  # path-ish
    "1234567890 3.14 -2e10",  # numbers only
    "!!! ??? ... ,,, ;;; :::",  # punctuation only
    "bank " * 500,  # a word repeated 500 times
    "qwzx vbnm plkj",  # unknown words only
    "The The THE the tHe",  # one word, many cases
    "it's didn't can't won't o'clock",  # apostrophes
    "don’t “smart” ‘quotes’ — dashes…",  # typographic punctuation
    "tab\tseparated\twords",  # tabs
    "line\nbreaks\nin\nit",  # newlines
    "ＦＵＬＬＷＩＤＴＨ ｗｏｒｄｓ",  # full-width forms
    "ﬁ ligature ﬂow",  # ligatures
    "I" * 5000,  # one enormous word
    "a-b_c.d/e\\f|g",  # separators
    "[CLS] [SEP] [MASK] [PAD] [UNK]",  # the model's special tokens
    "NaN inf -inf None null undefined",  # words that look like values
    "\ufeffbyte order mark \ufffd replacement",  # BOM, replacement character
]
