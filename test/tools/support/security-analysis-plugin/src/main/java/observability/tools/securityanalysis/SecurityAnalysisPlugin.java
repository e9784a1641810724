package observability.tools.securityanalysis;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The analysis components that the mapping of the {@code .security} index names, for the tools
 * tier's Elasticsearch only.
 *
 * <p>That Elasticsearch is Maven Central's integration-test distribution, which leaves out the
 * analysis-common module. The security plugin creates {@code .security} (where native users,
 * roles and API keys live) with an {@code email} analyzer built from the {@code uax_url_email}
 * tokenizer and the {@code pattern_capture}, {@code lowercase} and {@code unique} token filters;
 * without analysis-common the index cannot be created and every {@code PUT _security/user} or
 * {@code PUT _security/role} fails. {@code lowercase} is built into the server already (a
 * pre-configured filter over Lucene's core {@code LowerCaseFilter}), so this plugin registers
 * the other three, on the Lucene classes analysis-common uses for them (they ship in the
 * distribution's {@code lib/lucene-analysis-common-*.jar}), with the same settings and
 * defaults. Production images have analysis-common; nothing here is deployed.
 */
public final class SecurityAnalysisPlugin extends Plugin implements AnalysisPlugin {

  @Override
  public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
    return Map.of("uax_url_email", SecurityAnalysisPlugin::uaxUrlEmail);
  }

  @Override
  public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
    return Map.of(
        // Needs its patterns: without settings there is nothing to build, so the registry
        // must not make a default instance of it (as analysis-common marks it too).
        "pattern_capture", AnalysisPlugin.requiresAnalysisSettings(SecurityAnalysisPlugin::patternCapture),
        "unique", SecurityAnalysisPlugin::unique);
  }

  /** {@code uax_url_email}: words, URLs and e-mail addresses as single tokens (UAX #29). */
  private static TokenizerFactory uaxUrlEmail(
      IndexSettings index,
      Environment env,
      String name,
      Settings settings) {
    int maxTokenLength =
        settings.getAsInt("max_token_length", StandardAnalyzer.DEFAULT_MAX_TOKEN_LENGTH);
    return TokenizerFactory.newFactory(
        name,
        () -> {
          UAX29URLEmailTokenizer tokenizer = new UAX29URLEmailTokenizer();
          tokenizer.setMaxTokenLength(maxTokenLength);
          return tokenizer;
        });
  }

  /**
   * {@code pattern_capture}: a token for every capture group of every pattern that matches,
   * plus the original token unless {@code preserve_original} is false.
   */
  private static TokenFilterFactory patternCapture(
      IndexSettings index,
      Environment env,
      String name,
      Settings settings) {
    List<String> sources = settings.getAsList("patterns", null);
    if (sources == null || sources.isEmpty()) {
      throw new IllegalArgumentException("required setting 'patterns' is missing for token filter [" + name + "]");
    }
    Pattern[] patterns = sources.stream().map(Pattern::compile).toArray(Pattern[]::new);
    boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);
    return filter(name, in -> new PatternCaptureGroupTokenFilter(in, preserveOriginal, patterns));
  }

  /**
   * {@code unique}: each term once per field value; with {@code only_on_same_position} only
   * the repeats at one position go (Lucene's RemoveDuplicatesTokenFilter).
   */
  private static TokenFilterFactory unique(
      IndexSettings index,
      Environment env,
      String name,
      Settings settings) {
    if (settings.getAsBoolean("only_on_same_position", false)) {
      return filter(name, RemoveDuplicatesTokenFilter::new);
    }
    return filter(name, UniqueTermsFilter::new);
  }

  private static TokenFilterFactory filter(String name, UnaryOperator<TokenStream> wrap) {
    return new TokenFilterFactory() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public TokenStream create(TokenStream in) {
        return wrap.apply(in);
      }
    };
  }
}
