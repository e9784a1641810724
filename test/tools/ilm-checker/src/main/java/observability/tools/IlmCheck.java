package observability.tools;

import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.cluster.ClusterModule;
import org.elasticsearch.core.CheckedFunction;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.xcontent.DeprecationHandler;
import org.elasticsearch.xcontent.NamedXContentRegistry;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentLocation;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xpack.core.ilm.AllocateAction;
import org.elasticsearch.xpack.core.ilm.DeleteAction;
import org.elasticsearch.xpack.core.ilm.DownsampleAction;
import org.elasticsearch.xpack.core.ilm.ForceMergeAction;
import org.elasticsearch.xpack.core.ilm.FreezeAction;
import org.elasticsearch.xpack.core.ilm.LifecycleAction;
import org.elasticsearch.xpack.core.ilm.LifecyclePolicy;
import org.elasticsearch.xpack.core.ilm.LifecycleType;
import org.elasticsearch.xpack.core.ilm.MigrateAction;
import org.elasticsearch.xpack.core.ilm.ReadOnlyAction;
import org.elasticsearch.xpack.core.ilm.RolloverAction;
import org.elasticsearch.xpack.core.ilm.SearchableSnapshotAction;
import org.elasticsearch.xpack.core.ilm.SetPriorityAction;
import org.elasticsearch.xpack.core.ilm.ShrinkAction;
import org.elasticsearch.xpack.core.ilm.TimeseriesLifecycleType;
import org.elasticsearch.xpack.core.ilm.UnfollowAction;
import org.elasticsearch.xpack.core.ilm.WaitForSnapshotAction;
import org.elasticsearch.xpack.core.ilm.action.PutLifecycleRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Checks bodies of {@code PUT _ilm/policy/<name>} the way Elasticsearch handles that request,
 * with Elasticsearch's own classes:
 * <ol>
 *   <li>RestPutLifecycleAction: {@link PutLifecycleRequest#parseRequest} on a parser whose
 *       registry holds what the IndexLifecycle plugin registers (x-pack-ilm is not published,
 *       so its list is repeated in {@link #registry()}), next to the server's own entries;</li>
 *   <li>TransportAction: {@link PutLifecycleRequest#validate()}, which runs
 *       {@link LifecyclePolicy#validate()} (TimeseriesLifecycleType: known phases, actions
 *       allowed in each phase, searchable_snapshot/frozen/downsample rules) and the
 *       min_age ordering of the phases;</li>
 *   <li>TransportPutLifecycleAction: {@link LifecyclePolicy#validatePolicyName}.</li>
 * </ol>
 * Not repeated: the checks against a live cluster (the license for searchable_snapshot,
 * that a named snapshot repository or SLM policy exists).
 *
 * <p>The policy name is the file name without {@code ilm-policy.} and {@code .json}.
 * Prints {@code OK <file>} or {@code INVALID <file>: <message>} per file, and parser
 * deprecation warnings as {@code DEPRECATED <file>: ...} on stderr. Exits 1 when a file
 * is invalid, 2 on a usage or read error.
 */
public final class IlmCheck {
  private IlmCheck() {}

  public static void main(String[] args) {
    NamedXContentRegistry registry = registry();
    BodyFiles.run(args, "usage: ilm-check FILE...   (each the body of PUT _ilm/policy/<name>, {\"policy\": {...}})",
        "ilm-policy.", (file, name, body) -> {
          List<String> deprecations = new ArrayList<>();
          try {
            check(registry, name, body, deprecations);
          } finally {
            for (String deprecation : deprecations) System.err.println("DEPRECATED " + file + ": " + deprecation);
          }
          return "";
        });
  }

  /** The named objects a node with the IndexLifecycle plugin parses policies with. */
  static NamedXContentRegistry registry() {
    List<NamedXContentRegistry.Entry> entries = new ArrayList<>(ClusterModule.getNamedXWriteables());
    entries.add(new NamedXContentRegistry.Entry(LifecycleType.class, new ParseField(TimeseriesLifecycleType.TYPE),
        (p, c) -> TimeseriesLifecycleType.INSTANCE));
    entries.add(action(AllocateAction.NAME, AllocateAction::parse));
    entries.add(action(ForceMergeAction.NAME, ForceMergeAction::parse));
    entries.add(action(ReadOnlyAction.NAME, ReadOnlyAction::parse));
    entries.add(action(RolloverAction.NAME, RolloverAction::parse));
    entries.add(action(ShrinkAction.NAME, ShrinkAction::parse));
    entries.add(action(DeleteAction.NAME, DeleteAction::parse));
    entries.add(action(FreezeAction.NAME, FreezeAction::parse));
    entries.add(action(SetPriorityAction.NAME, SetPriorityAction::parse));
    entries.add(action(UnfollowAction.NAME, UnfollowAction::parse));
    entries.add(action(WaitForSnapshotAction.NAME, WaitForSnapshotAction::parse));
    entries.add(action(SearchableSnapshotAction.NAME, SearchableSnapshotAction::parse));
    entries.add(action(MigrateAction.NAME, MigrateAction::parse));
    entries.add(action(DownsampleAction.NAME, DownsampleAction::parse));
    return new NamedXContentRegistry(entries);
  }

  private static NamedXContentRegistry.Entry action(String name,
      CheckedFunction<XContentParser, ? extends LifecycleAction, IOException> parser) {
    return new NamedXContentRegistry.Entry(LifecycleAction.class, new ParseField(name), parser);
  }

  /** Throws Elasticsearch's error for this request when it would refuse it. */
  static void check(NamedXContentRegistry registry, String name, byte[] body, List<String> deprecations)
      throws IOException {
    XContentParserConfiguration config = XContentParserConfiguration.EMPTY
        .withRegistry(registry)
        .withDeprecationHandler(new Collecting(deprecations));
    try (XContentParser parser = XContentType.JSON.xContent().createParser(config, body)) {
      PutLifecycleRequest request = PutLifecycleRequest.parseRequest(new PutLifecycleRequest.Factory() {
        @Override
        public PutLifecycleRequest create(LifecyclePolicy policy) {
          return new PutLifecycleRequest(TimeValue.THIRTY_SECONDS, TimeValue.THIRTY_SECONDS, policy);
        }

        @Override
        public String getPolicyName() {
          return name;
        }
      }, parser);
      ActionRequestValidationException invalid = request.validate();
      if (invalid != null) throw invalid;
      LifecyclePolicy.validatePolicyName(request.getPolicy().getName());
    }
  }

  /** Collects what Elasticsearch would send back as deprecation warnings. */
  private record Collecting(List<String> warnings) implements DeprecationHandler {
    @Override
    public void logRenamedField(String parserName, Supplier<XContentLocation> location, String oldName, String currentName) {
      warnings.add(at(parserName, location) + "Deprecated field [" + oldName + "] used, expected [" + currentName + "] instead");
    }

    @Override
    public void logReplacedField(String parserName, Supplier<XContentLocation> location, String oldName, String replacedName) {
      warnings.add(at(parserName, location) + "Deprecated field [" + oldName + "] used, replaced by [" + replacedName + "]");
    }

    @Override
    public void logRemovedField(String parserName, Supplier<XContentLocation> location, String removedName) {
      warnings.add(at(parserName, location) + "Deprecated field [" + removedName + "] used, this field is unused and will be removed entirely");
    }

    private static String at(String parserName, Supplier<XContentLocation> location) {
      String where = parserName == null ? "" : "[" + parserName + "]";
      XContentLocation loc = location == null ? null : location.get();
      return (loc == null ? "" : "[" + loc.lineNumber() + ":" + loc.columnNumber() + "] ") + (where.isEmpty() ? "" : where + " ");
    }
  }
}
