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
/// Lucene.Net index over title, tags, genres and description (field boosts 3 / 2 / 1.5 / 1), held in memory with
/// one long-lived <see cref="IndexSearcher"/>. Typo tolerance and prefix matching do not use Lucene's FuzzyQuery
/// (it builds Levenshtein automata per query, which dominated the cost): each query token is expanded against our
/// own sorted term dictionary — prefix range by binary search, then edit distance 1 (tokens of 4+ letters) or 2
/// (8+) — and the expansion is cached per token. The expanded terms become plain boosted TermQuerys.
/// </summary>
public sealed class LexicalIndex : IDisposable
{
    public static readonly (string Field, float Boost)[] Fields = [("title", 3f), ("tags", 2f), ("genres", 1.5f), ("description", 1f)];
    private const int MaxExpansions = 6;
    private const int CacheLimit = 50_000;

    private readonly RAMDirectory _directory = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly int[] _docToItem;
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
                    if (tokens.Count == 0) continue;
                    doc.Add(new TextField(Fields[f].Field, string.Join(' ', tokens), Field.Store.NO));
                    foreach (var t in tokens)
                    {
                        distinct.Add(t);
                        _fieldTerms[f].Add(t);
                    }
                }
                foreach (var t in distinct) frequency[t] = frequency.GetValueOrDefault(t) + 1;
                writer.AddDocument(doc);
            }
            writer.Commit();
        }
        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader);
        _docToItem = new int[_reader.MaxDoc];
        for (var d = 0; d < _reader.MaxDoc; d++) _docToItem[d] = _reader.Document(d).GetField("item").GetInt32Value() ?? 0;
        _terms = frequency.Keys.Order(StringComparer.Ordinal).ToArray();
        _termFrequency = _terms.Select(t => frequency[t]).ToArray();
    }

    private readonly int _resultCacheSize;

    public int TermCount => _terms.Length;

    /// <summary>Top hits for a free-text query; empty when no token matches anything.</summary>
    /// <remarks>
    /// Results are cached per normalized query (the index is immutable, so a cached answer is never stale; the cache is
    /// cleared when it reaches its size). Personalization happens after, per request.
    /// </remarks>
    public IReadOnlyList<LexicalHit> Search(string query, int top)
    {
        var tokens = TextNormalizer.Tokens(query, max: 8);
        if (tokens.Count == 0) return [];
        var key = $"{top}|{string.Join(' ', tokens)}";
        if (_resultCacheSize > 0 && _results.TryGetValue(key, out var cached)) return cached;
        var root = new BooleanQuery();
        foreach (var token in tokens)
        {
            var expansions = Expand(token);
            if (expansions.Length == 0) continue;
            var perToken = new DisjunctionMaxQuery(0.1f);
            foreach (var (term, weight) in expansions)
                for (var f = 0; f < Fields.Length; f++)
                    if (_fieldTerms[f].Contains(term))
                        perToken.Add(new TermQuery(new Term(Fields[f].Field, term)) { Boost = Fields[f].Boost * weight });
            root.Add(perToken, Occur.SHOULD);
        }
        if (root.Clauses.Count == 0) return [];
        var found = _searcher.Search(root, top);
        var hits = new LexicalHit[found.ScoreDocs.Length];
        for (var i = 0; i < hits.Length; i++) hits[i] = new LexicalHit(_docToItem[found.ScoreDocs[i].Doc], found.ScoreDocs[i].Score, "");
        if (_resultCacheSize > 0)
        {
            if (_results.Count >= _resultCacheSize) _results.Clear();
            _results[key] = hits;
        }
        return hits;
    }

    /// <summary>The token itself (weight 1), prefix completions (0.7) and near misses (0.6 at distance 1, 0.4 at 2), cached.</summary>
    public (string Term, float Weight)[] Expand(string token)
    {
        if (_expansions.TryGetValue(token, out var cached)) return cached;
        var result = new List<(string Term, float Weight)>();
        var exact = Array.BinarySearch(_terms, token, StringComparer.Ordinal);
        if (exact >= 0) result.Add((token, 1f));
        if (token.Length >= 2)
        {
            var start = exact >= 0 ? exact + 1 : ~exact;
            var prefixes = new List<int>();
            for (var i = start; i < _terms.Length && _terms[i].StartsWith(token, StringComparison.Ordinal); i++) prefixes.Add(i);
            foreach (var i in prefixes.OrderByDescending(i => _termFrequency[i]).Take(MaxExpansions))
                result.Add((_terms[i], 0.7f));
        }
        var maxDistance = token.Length >= 8 ? 2 : token.Length >= 4 ? 1 : 0;
        if (maxDistance > 0 && exact < 0)
        {
            var near = new List<(int Index, int Distance)>();
            for (var i = 0; i < _terms.Length; i++)
            {
                var term = _terms[i];
                if (Math.Abs(term.Length - token.Length) > maxDistance) continue;
                var d = TextNormalizer.Distance(token, term, maxDistance);
                if (d <= maxDistance) near.Add((i, d));
            }
            foreach (var (i, d) in near.OrderBy(n => n.Distance).ThenByDescending(n => _termFrequency[n.Index]).Take(MaxExpansions))
                if (!result.Any(r => r.Term == _terms[i])) result.Add((_terms[i], d == 1 ? 0.6f : 0.4f));
        }
        var expansions = result.ToArray();
        if (_expansions.Count >= CacheLimit) _expansions.Clear();
        _expansions[token] = expansions;
        return expansions;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _directory.Dispose();
    }
}
