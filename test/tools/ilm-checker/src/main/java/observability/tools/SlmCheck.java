package observability.tools;

import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.admin.cluster.snapshots.create.CreateSnapshotRequest;
import org.elasticsearch.common.Strings;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xpack.core.slm.SnapshotLifecyclePolicy;
import org.elasticsearch.xpack.core.slm.action.PutSnapshotLifecycleAction;

import java.io.IOException;
import java.time.Clock;

/**
 * Checks bodies of {@code PUT _slm/policy/<id>} the way Elasticsearch handles that request,
 * with its own classes (x-pack-core): RestPutSnapshotLifecycleAction's
 * {@link PutSnapshotLifecycleAction.Request#parseRequest} (unknown fields, types, the
 * retention's parser), then the request's {@code validate()}, which runs
 * {@link SnapshotLifecyclePolicy#validate()}: the id, the cron or interval schedule, the
 * snapshot name (date math resolved, then checked as a snapshot name), the repository, the
 * config (its metadata size) and the retention counts.
 * Not repeated: the checks against a live cluster in TransportPutSnapshotLifecycleAction (the
 * repository exists; the interval is at least {@code slm.minimum_interval}, 15m by default).
 *
 * <p>The policy id is the file name without {@code slm-policy.} and {@code .json}. Prints per
 * file {@code OK <file> <json>} with the interval between two runs of the schedule in seconds
 * and the create-snapshot request the policy sends at its next run (the name as Elasticsearch
 * generates it, date math resolved and a UUID appended, and the body), or
 * {@code INVALID <file>: <message>}. Exits 1 when a file is invalid, 2 on a usage or read error.
 */
public final class SlmCheck {
  private SlmCheck() {}

  public static void main(String[] args) {
    BodyFiles.run(args, "usage: slm-check FILE...   (each the body of PUT _slm/policy/<id>)", "slm-policy.",
        (file, id, body) -> check(id, body));
  }

  /** The interval and the create-snapshot request, as JSON; throws Elasticsearch's error when it would refuse the policy. */
  static String check(String id, byte[] body) throws IOException {
    try (XContentParser parser = XContentType.JSON.xContent().createParser(XContentParserConfiguration.EMPTY, body)) {
      PutSnapshotLifecycleAction.Request request =
          PutSnapshotLifecycleAction.Request.parseRequest(TimeValue.THIRTY_SECONDS, TimeValue.THIRTY_SECONDS, id, parser);
      ActionRequestValidationException invalid = request.validate();
      if (invalid != null) throw invalid;
      SnapshotLifecyclePolicy policy = request.getLifecycle();
      TimeValue interval = policy.calculateNextInterval(Clock.systemUTC());
      CreateSnapshotRequest snapshot = policy.toRequest(TimeValue.THIRTY_SECONDS);
      XContentBuilder out = XContentFactory.jsonBuilder();
      out.startObject();
      out.field("interval_seconds", interval.seconds());
      out.field("repository", snapshot.repository());
      out.field("snapshot", snapshot.snapshot());
      out.field("body");
      snapshot.toXContent(out, ToXContent.EMPTY_PARAMS);
      out.endObject();
      return Strings.toString(out);
    }
  }
}
