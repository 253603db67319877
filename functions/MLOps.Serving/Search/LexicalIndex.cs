using System.Collections.Concurrent;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace MLOps.Serving.Search;

public sealed record LexicalHit(int Item, float Score, string Field);

/// <summary>
/// Lucene.Net index over title, tags, genres and description (field boosts 3 / 2 / 1.5 / 1) and the release year, held
/// in memory with one long-lived <see cref="IndexSearcher"/>. Typo tolerance and prefix matching do not use Lucene's
/// FuzzyQuery (it builds Levenshtein automata per query, which dominated the cost): each query token is expanded against
/// our own sorted term dictionary — prefix range by binary search, then edit distance 1 (tokens of 4+ letters) or 2 (8+),
/// never for tokens or terms holding a digit — and the expansion is cached per token.
/// </summary>
/// <remarks>
/// Scoring is by tiers, not TF-IDF: every (term, field) clause scores a constant, field boost × tier weight (exact word 1,
/// prefix completion 0.3, near miss 0.25 at distance 1 and 0.2 at 2), so a rare completion's idf can no longer outweigh
/// the word itself and an exact word in any field outranks a completion or near miss in any field (0.9 at most). A token
/// scores its best clause (DisjunctionMax, tie 0); a 4-digit token also matches the release year (2); the query sums
/// its tokens. Within a tier (equal sum) the order is: titles the query covers entirely (ignoring the articles
/// "the", "a", "an") first, then popularity (log plays), then catalogue order — added as a tie-break below 0.001, far
/// under the smallest gap between two tiers (0.025).
/// </remarks>
public sealed class LexicalIndex : IDisposable
{
    public static readonly (string Field, float Boost)[] Fields = [("title", 3f), ("tags", 2f), ("genres", 1.5f), ("description", 1f)];
    public const float ExactWeight = 1f, PrefixWeight = 0.3f, Distance1Weight = 0.25f, Distance2Weight = 0.2f;
    /// <summary>A 4-digit query token equal to a title's release year.</summary>
    public const float YearBoost = 2f;
    private const string YearField = "year";
    private const int MaxExpansions = 6;
    private const int CacheLimit = 50_000;
    private static readonly HashSet<string> Articles = new(["the", "a", "an"], StringComparer.Ordinal);
    private static readonly Lucene.Net.Search.Similarities.Similarity Constant = new ConstantSimilarity();

    private readonly RAMDirectory _directory = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly int[] _docToItem;
    private readonly string[][] _titleWords;  // per doc: title tokens without articles (unless the title is only articles)
    private readonly float[] _popularity;     // per doc: log(1 + plays) / log(1 + most plays), in [0, 1]
    private readonly HashSet<string> _years = new(StringComparer.Ordinal);
    private readonly string[] _terms;      // sorted ordinal
    private readonly int[] _termFrequency; // documents holding the term (any field)
    private readonly HashSet<string>[] _fieldTerms = Fields.Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
    private readonly ConcurrentDictionary<string, (string Term, float Weight)[]> _expansions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LexicalHit[]> _results = new(StringComparer.Ordinal);

    public LexicalIndex(ServingData data, int resultCacheSize = 10_000)
    {
        _resultCacheSize = resultCacheSize;
        var analyzer = new WhitespaceAnalyzer(LuceneVersion.LUCENE_48);
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var titleWords = new string[data.Count][];
        using (var writer = new IndexWriter(_directory, new IndexWriterConfig(LuceneVersion.LUCENE_48, analyzer) { OpenMode = OpenMode.CREATE }))
        {
            for (var i = 0; i < data.Count; i++)
            {
                var item = data.Catalog[i];
                var doc = new Document { new StoredField("item", i) };
                var texts = new[] { data.Title(i), string.Join(' ', item?.Tags ?? []), string.Join(' ', data.GenresOf(i)), item?.Description };
                var distinct = new HashSet<string>(StringComparer.Ordinal);
                for (var f = 0; f < Fields.Length; f++)
                {
                    var tokens = TextNormalizer.Tokens(texts[f]);
                    if (f == 0)
                    {
                        var words = tokens.Where(t => !Articles.Contains(t)).ToArray();
                        titleWords[i] = words.Length > 0 ? words : tokens.ToArray();
                    }
                    if (tokens.Count == 0) continue;
                    doc.Add(new TextField(Fields[f].Field, string.Join(' ', tokens), Field.Store.NO));
                    foreach (var t in tokens)
                    {
                        distinct.Add(t);
                        _fieldTerms[f].Add(t);
                    }
                }
                if (item?.Year is { } year and >= 1000 and <= 9999)
                {
                    var text = year.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    doc.Add(new StringField(YearField, text, Field.Store.NO));
                    _years.Add(text);
                }
                foreach (var t in distinct) frequency[t] = frequency.GetValueOrDefault(t) + 1;
                writer.AddDocument(doc);
            }
            writer.Commit();
        }
        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = Constant };
        _docToItem = new int[_reader.MaxDoc];
        for (var d = 0; d < _reader.MaxDoc; d++) _docToItem[d] = _reader.Document(d).GetField("item").GetInt32Value() ?? 0;
        _titleWords = _docToItem.Select(i => titleWords[i]).ToArray();
        var mostPlays = data.Count == 0 ? 0 : data.Popularity.Max();
        _popularity = _docToItem.Select(i => mostPlays > 0 ? (float)(Math.Log(1 + Math.Max(0, data.Popularity[i])) / Math.Log(1 + mostPlays)) : 0f).ToArray();
        _terms = frequency.Keys.Order(StringComparer.Ordinal).ToArray();
        _termFrequency = _terms.Select(t => frequency[t]).ToArray();
    }

    private readonly int _resultCacheSize;

    public int TermCount => _terms.Length;

    /// <summary>Top hits for a free-text query, best first (scores strictly ordered); empty when no token matches anything.</summary>
    /// <remarks>
    /// Results are cached per normalized query (the index is immutable, so a cached answer is never stale; the cache is
    /// cleared when it reaches its size). Personalization happens after, per request.
    /// </remarks>
    public IReadOnlyList<LexicalHit> Search(string query, int top)
    {
        var tokens = TextNormalizer.Tokens(query, max: 8);
        if (tokens.Count == 0 || top <= 0) return [];
        var key = $"{top}|{string.Join(' ', tokens)}";
        if (_resultCacheSize > 0 && _results.TryGetValue(key, out var cached)) return cached;
        var root = new BooleanQuery(disableCoord: true);
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            var perToken = new DisjunctionMaxQuery(0f);
            var likeliest = -1;
            foreach (var (term, weight) in Expand(token))
            {
                // Whole-title credit: the words as typed or corrected, and of the completions only the likeliest (the most
                // frequent, listed first, and any as frequent). Every completion used to count, so "sta" put the one-word
                // titles Stag and Stalingrad above Star Wars.
                if (weight != PrefixWeight) words.Add(term);
                else if (Frequency(term) is var frequency && (likeliest < 0 || frequency == likeliest))
                {
                    likeliest = frequency;
                    words.Add(term);
                }
                for (var f = 0; f < Fields.Length; f++)
                    if (_fieldTerms[f].Contains(term))
                        perToken.Add(Clause(Fields[f].Field, term, Fields[f].Boost * weight));
            }
            if (IsYear(token) && _years.Contains(token)) perToken.Add(Clause(YearField, token, YearBoost));
            if (perToken.Disjuncts.Count > 0) root.Add(perToken, Occur.SHOULD);
        }
        if (root.Clauses.Count == 0) return [];
        var collector = new TieredCollector(this, words, top);
        _searcher.Search(root, collector);
        var hits = collector.Hits();
        if (_resultCacheSize > 0)
        {
            if (_results.Count >= _resultCacheSize) _results.Clear();
            _results[key] = hits;
        }
        return hits;
    }

    private static ConstantScoreQuery Clause(string field, string term, float boost) =>
        new(new TermQuery(new Term(field, term))) { Boost = boost };

    /// <summary>Four digits: a release year to match exactly (never fuzzily).</summary>
    public static bool IsYear(string token) => token.Length == 4 && token.All(char.IsAsciiDigit);

    /// <summary>
    /// The token itself (<see cref="ExactWeight"/>), prefix completions (<see cref="PrefixWeight"/>) and, for a token that is
    /// not a known term and holds no digit, near misses without digits (<see cref="Distance1Weight"/>,
    /// <see cref="Distance2Weight"/>), cached.
    /// </summary>
    public (string Term, float Weight)[] Expand(string token)
    {
        if (_expansions.TryGetValue(token, out var cached)) return cached;
        var result = new List<(string Term, float Weight)>();
        var exact = Array.BinarySearch(_terms, token, StringComparer.Ordinal);
        if (exact >= 0) result.Add((token, ExactWeight));
        if (token.Length >= 2)
        {
            var start = exact >= 0 ? exact + 1 : ~exact;
            var prefixes = new List<int>();
            for (var i = start; i < _terms.Length && _terms[i].StartsWith(token, StringComparison.Ordinal); i++) prefixes.Add(i);
            foreach (var i in prefixes.OrderByDescending(i => _termFrequency[i]).Take(MaxExpansions))
                result.Add((_terms[i], PrefixWeight));
        }
        // Digits are never fuzzy: "1999" is not a misspelt "1969", nor "matrix" a misspelt "matrix2".
        var maxDistance = HasDigit(token) ? 0 : token.Length >= 8 ? 2 : token.Length >= 4 ? 1 : 0;
        if (maxDistance > 0 && exact < 0)
        {
            var near = new List<(int Index, int Distance)>();
            for (var i = 0; i < _terms.Length; i++)
            {
                var term = _terms[i];
                if (Math.Abs(term.Length - token.Length) > maxDistance || HasDigit(term)) continue;
                var d = TextNormalizer.Distance(token, term, maxDistance);
                if (d <= maxDistance) near.Add((i, d));
            }
            foreach (var (i, d) in near.OrderBy(n => n.Distance).ThenByDescending(n => _termFrequency[n.Index]).Take(MaxExpansions))
                if (!result.Any(r => r.Term == _terms[i])) result.Add((_terms[i], d == 1 ? Distance1Weight : Distance2Weight));
        }
        var expansions = result.ToArray();
        if (_expansions.Count >= CacheLimit) _expansions.Clear();
        _expansions[token] = expansions;
        return expansions;
    }

    private int Frequency(string term) => _termFrequency[Array.BinarySearch(_terms, term, StringComparer.Ordinal)];

    private static bool HasDigit(string text) => text.AsSpan().IndexOfAnyInRange('0', '9') >= 0;

    /// <summary>
    /// Keeps the best <c>top</c> hits of every match: the tier score (the sum of constant clause scores, rounded to 0.001)
    /// plus a tie-break below 0.001 — 0.0005 when the query's words cover the whole title, + 0.0004 × popularity.
    /// Equal keys keep catalogue order.
    /// </summary>
    private sealed class TieredCollector(LexicalIndex index, HashSet<string> words, int top) : ICollector
    {
        private readonly PriorityQueue<int, (double Score, int Doc)> _heap = new(Worst);
        private Scorer? _scorer;
        private int _base;

        // The root of the heap is the weakest kept hit: lower score, or the later doc on equal scores.
        private static readonly Comparer<(double Score, int Doc)> Worst =
            Comparer<(double Score, int Doc)>.Create((a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Doc.CompareTo(a.Doc));

        public bool AcceptsDocsOutOfOrder => true;
        public void SetScorer(Scorer scorer) => _scorer = scorer;
        public void SetNextReader(AtomicReaderContext context) => _base = context.DocBase;

        public void Collect(int doc)
        {
            var d = _base + doc;
            var tier = Math.Round(_scorer!.GetScore(), 3);
            var full = _heap.Count >= top;
            (double Score, int Doc) worst = default;
            if (full && (!_heap.TryPeek(out _, out worst) || tier + 0.001 < worst.Score)) return; // below the kept hits whatever its tie-break
            var score = tier + (Whole(index._titleWords[d]) ? 0.0005 : 0) + 0.0004 * index._popularity[d];
            var key = (score, d);
            if (!full) _heap.Enqueue(d, key);
            else if (Worst.Compare(key, worst) > 0) _heap.DequeueEnqueue(d, key);
        }

        private bool Whole(string[] title)
        {
            if (title.Length == 0) return false;
            foreach (var word in title)
                if (!words.Contains(word)) return false;
            return true;
        }

        public LexicalHit[] Hits()
        {
            var hits = new LexicalHit[_heap.Count];
            for (var i = hits.Length - 1; i >= 0; i--)
            {
                _heap.TryDequeue(out var d, out var key);
                hits[i] = new LexicalHit(index._docToItem[d], (float)key.Score, "");
            }
            return hits;
        }
    }

    /// <summary>Clause scores are their boosts: no query normalization, no coordination factor.</summary>
    private sealed class ConstantSimilarity : Lucene.Net.Search.Similarities.DefaultSimilarity
    {
        public override float QueryNorm(float sumOfSquaredWeights) => 1f;
        public override float Coord(int overlap, int maxOverlap) => 1f;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _directory.Dispose();
    }
}
