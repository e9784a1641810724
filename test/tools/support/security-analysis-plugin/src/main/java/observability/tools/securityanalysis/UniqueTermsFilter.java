package observability.tools.securityanalysis;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Passes each term the first time it comes and drops it after, wherever it repeats in the
 * stream: the default ({@code only_on_same_position: false}) behaviour of Elasticsearch's
 * {@code unique} token filter, for which Lucene has no class of its own.
 */
final class UniqueTermsFilter extends TokenFilter {
  private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
  private final CharArraySet seen = new CharArraySet(8, false);

  UniqueTermsFilter(TokenStream in) {
    super(in);
  }

  @Override
  public boolean incrementToken() throws IOException {
    while (input.incrementToken()) {
      if (!seen.contains(term.buffer(), 0, term.length())) {
        // The set keeps the array it is given: a copy, as the attribute's buffer is reused.
        seen.add(Arrays.copyOf(term.buffer(), term.length()));
        return true;
      }
    }
    return false;
  }

  @Override
  public void reset() throws IOException {
    super.reset();
    seen.clear();
  }
}
