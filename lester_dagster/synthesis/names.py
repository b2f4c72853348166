"""Column names as evidence: the words of a name (singular, without case or separators), and the words
analysts use for each aggregate function. The hidden pipeline named the target's columns, mostly after
the columns and functions they came from; values of other rows differ, names do not."""

from __future__ import annotations

import os
import re

AGG_WORDS = {
    "mean": ("mean", "avg", "average"),
    "sum": ("sum", "total", "tot"),
    "count": ("count", "num", "cnt", "n", "number"),
    "nunique": ("nunique", "unique", "distinct", "n", "num", "number"),
    # the best and the worst are either end: the best time, rank or p-value is the smallest, the best score the largest
    "min": ("min", "minimum", "lowest", "least", "smallest", "earliest", "oldest", "shortest", "low", "worst", "best"),
    "max": ("max", "maximum", "highest", "most", "largest", "latest", "newest", "longest", "peak", "top", "best", "worst",
            "hottest", "strongest", "high", "busiest"),
    "median": ("median", "typical"),
    "std": ("std", "sd", "stdev", "stddev"),
}

# the names pandas gives a measure's aggregate of its function alone (`df.groupby(k)['mpg'].agg(['count', 'mean', 'max'])`)
MEASURE_NAMES = frozenset({"mean", "sum", "min", "max", "median", "std"})
FUNCTION_WORDS = frozenset(w for words in AGG_WORDS.values() for w in words)
# the words that name one function only ('avg', 'highest'; not 'n', which counts rows or distinct values)
EXCLUSIVE_WORDS = {func: frozenset(words) - {w for other, ws in AGG_WORDS.items() if other != func for w in ws}
                   for func, words in AGG_WORDS.items()}


def name_words(name: str) -> list[str]:
    """The words of a name in order, lower-cased: runs of letters or digits, camelCase split ('AvgDelay')."""
    return re.findall(r"[a-z]+|[0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).lower())


def name_tokens(name: str) -> set[str]:
    return {_singular(w) for w in name_words(name)}


def _singular(word: str) -> str:
    """flights ~ flight, cities ~ city."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_key(name: str) -> str:
    """A column name without case, separators and merge suffixes ('Sepal.Length' ~ 'sepal_length')."""
    return "".join(re.findall(r"[a-z0-9]+", re.sub(r"(_x|_y)$", "", str(name)).lower()))


YEAR_DIGITS = (2, 4)  # a number of this many digits in a column's name may be a year ('86', '1992')


def names_column(tokens: set[str], own: set[str]) -> bool:
    """Every word of the column's name is like a word of the target's (`word_like`). A target name without
    a year leaves out the year a column's name holds ('nfarr' of `nfarr86`, arrests in 1986; 'wage_imp2' of
    `wage1992`), but not a wave's number (`pfries2`, the second wave's price beside `pfries`)."""
    if not any(t.isdigit() and len(t) in YEAR_DIGITS for t in tokens):
        # two digits are a year behind a word of four letters or more (`nfarr86`), not behind a short one
        # (`pop65`, `pm25`: the population over 65, fine particles)
        words = [w for w in own if not w.isdigit()]
        year = [w for w in own if w.isdigit() and (len(w) == 4 or (len(w) == 2 and any(len(x) >= 4 for x in words)))]
        own = (own - set(year)) or own
    return bool(own) and all(any(word_like(t, w) for t in tokens) for w in own)


# words a heading and a column's name use for one thing: a report's 'share_men' is the mean of a `male` dummy
SYNONYMS = (frozenset({"male", "man", "men"}), frozenset({"female", "woman", "women"}),
            frozenset({"child", "children", "kid"}))
_SYNONYM = {word: group for group in SYNONYMS for word in group}


def word_like(t: str, w: str) -> bool:
    """A target's word `t` names a column's word `w`: the same word; `w` abbreviates it ('dest' ~
    'destination'); `w` holds it glued to another word ('libprice' ~ 'price'); or both start alike as
    abbreviations of one word do ('citestot' ~ 'cited'): four letters, most of the shorter word. A word of
    three letters or more counts behind a prefix of one or two ('pfries' ~ 'fries')."""
    if t == w or (len(w) >= 3 and len(t) > len(w) and t.startswith(w)) or w in _SYNONYM.get(t, ()):
        return True
    if t in FUNCTION_WORDS:
        return False  # 'mean' inside 'meandepth' names a function, not the column
    if len(t) >= 4 and len(w) > len(t) and t in w:
        return True
    if len(t) >= 3 and len(t) < len(w) <= len(t) + 2 and w.endswith(t):
        return True  # a word behind a letter or two ('pfry' ~ 'fry': the price of fries, psoda)
    shared = len(os.path.commonprefix([t, w]))
    return shared >= 4 and shared >= 0.75 * min(len(t), len(w))


def spells(target: str, column: str, func: str) -> bool:
    """The target's name is the column's name and a word for the function and nothing else
    ('max_net_generation', 'union_mean', 'AvgDelay' of `delay`, 'max_petal_length' of `petal length (cm)`,
    its unit left out): the name says how the column was made, whatever values the other rows give."""
    whole = name_key(target)
    return any(bool(own) and any(whole in (word + own, own + word) for word in EXCLUSIVE_WORDS.get(func, ()))
               for own in {name_key(column), name_key(_UNIT.sub("", str(column)))})


def counts_kinds(target: str, column: str) -> bool:
    """The target's name is the plural of the column's name alone ('alleles' of `allele`, 'carriers' of
    `carrier`, 'treatments' of `treat`): how many kinds of it each group holds, as `.agg(carriers=('carrier',
    'nunique'))` names it."""
    words, own = name_words(target), name_words(column)
    if len(words) != 1 or len(own) != 1 or own[0].isdigit() or _singular(own[0]) != own[0]:
        return False  # a column named in the plural itself ('Seats') is what its name says
    word = words[0]
    single = _singular(word)
    return single != word and word_like(single, own[0])


# the words for the ends of a column's range (`temp_min`, `High`), not for the best or latest of something
ENDS = {"min": frozenset({"min", "minimum", "lowest", "low"}), "max": frozenset({"max", "maximum", "highest", "high"})}
RANGE_FUNCTIONS = frozenset({"mean", "median", "min", "max", "first", "last", "sum", "std"})  # of the column's values


def opposed(target: str, column: str, func: str) -> bool:
    """The target's name says one end of a column's range beside its function, the column's name the other
    ('mean_high', the mean of daily highs, beside `temp_min`; 'avg_low' beside `High`): the name says which
    column, as a name naming it would. The function's own word is no end ('lowest' of `temp_max`: the lowest
    high), so 'highest_low' of `temp_max` is opposed."""
    if func not in RANGE_FUNCTIONS:
        return False  # a count of rows is listed under any column without gaps: its name says nothing
    said, own = ({end for end, words in ENDS.items() if name_tokens(name) & words} for name in (target, column))
    return bool(said - {func}) and bool(own) and not own & (said - {func})


# a unit in brackets after the name: 'petal length (cm)', 'Weight [kg]'; not a note of a function or a number
# ('temp (max)', 'sales (2019)'), nor an argument ('f(x)')
_UNIT = re.compile(r"\s+[(\[](?![^()\[\]]*(?:\d|\b(?:" + "|".join(sorted(FUNCTION_WORDS)) + r")\b))[^()\[\]]+[)\]]\s*$",
                   re.IGNORECASE)


SEXES = (frozenset({"female", "females", "woman", "women", "girl", "girls"}),
         frozenset({"male", "males", "man", "men", "boy", "boys"}))


def same_sex(a: str, b: str) -> bool:
    """Two names of one sex (`women` of a flag `female`): a report spreads a sex flag into columns so named."""
    return any(name_key(a) in words and name_key(b) in words for words in SEXES)


def opposite_sex(a: str, b: str) -> bool:
    """Names of the two sexes (`women` and `men`)."""
    return any(name_key(a) in words and name_key(b) in other for words, other in (SEXES, SEXES[::-1]))
