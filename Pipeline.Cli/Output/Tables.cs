using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Cli.Output;

/// <summary>The tables the commands print, one per kind of thing the host returns.</summary>
internal static class Tables
{
    public static Table Pipelines(IEnumerable<JsonElement> pipelines)
    {
        // MODE: whatsapp's live or sandbox, so a host that only records messages is seen at a glance; "-" for the others.
        var table = New("PIPELINE", "MODE", "RATE/S", "PARALLEL", "BUFFER", "PAUSED", "QUEUE", "IN FLIGHT", "CIRCUIT", "PROCESSED", "FAILED", "SUPERVISOR");
        foreach (var p in pipelines)
        {
            var supervisor = p.Child("supervisor") is { } s ? $"{s.Text("state")}, {s.Text("restarts")} restarts" : JsonFields.None;
            Row(table, p.Text("name"), p.Text("mode"), p.Text("ratePerSecond"), p.Text("parallelism"), p.Text("bufferSize"), p.Text("paused"),
                p.Text("queueDepth"), p.Text("inFlight"), p.Text("circuitState"), p.Text("processed"), p.Text("failed"), supervisor);
        }
        return table;
    }

    /// <summary>The cluster's nodes: the node table's view (status, heartbeat, pipelines) beside Akka's (member status, reachability, leader, shards).</summary>
    public static Table Members(IEnumerable<JsonElement> nodes, DateTimeOffset now)
    {
        var table = New("NODE", "STATUS", "MEMBER", "REACHABLE", "LEADER", "SHARDS", "ENTITIES", "LAST HEARTBEAT", "PIPELINES", "ADDRESS", "CLUSTER ADDRESS");
        foreach (var n in nodes)
        {
            Row(table, n.Text("name"), n.Text("status"), n.Text("memberStatus"), n.Text("reachable"), n.Text("leader"), n.Text("shards"),
                n.Text("entities"), n.Time("lastHeartbeat", now), n.Text("pipelines"), n.Text("address"), n.Text("clusterAddress"));
        }
        return Empty(table, "no nodes");
    }

    /// <summary>
    /// Shards and live entities of each node, one row per entity type and one for all of them, which also shows the node's
    /// work partitions (its share of the background work).
    /// </summary>
    public static Table Shards(IEnumerable<JsonElement> nodes)
    {
        var table = New("NODE", "ENTITY TYPE", "SHARDS", "ENTITIES", "WORK PARTITIONS");
        foreach (var n in nodes)
        {
            if (n.Child("shardsByType") is { ValueKind: JsonValueKind.Object } byType)
            {
                var entities = n.Child("entitiesByType");
                foreach (var type in byType.EnumerateObject())
                {
                    Row(table, n.Text("name"), type.Name, JsonFields.Show(type.Value), entities?.Text(type.Name) ?? JsonFields.None, "");
                }
            }
            Row(table, n.Text("name"), "(all)", n.Text("shards"), n.Text("entities"), Ranges(n.Items("workPartitions")));
        }
        return Empty(table, "no node hosts shards");
    }

    /// <summary>Numbers in order as runs, <c>0-9, 20-29</c>: a node's work partitions in a column's width.</summary>
    private static string Ranges(IEnumerable<JsonElement> numbers)
    {
        var runs = new List<(int From, int To)>();
        foreach (var n in numbers.Select(e => e.GetInt32()))
        {
            if (runs.Count > 0 && runs[^1].To == n - 1)
            {
                runs[^1] = (runs[^1].From, n);
            }
            else
            {
                runs.Add((n, n));
            }
        }
        return runs.Count == 0 ? JsonFields.None : string.Join(", ", runs.Select(r => r.From == r.To ? $"{r.From}" : $"{r.From}-{r.To}"));
    }

    public static Table Deliveries(IEnumerable<JsonElement> deliveries, DateTimeOffset now)
    {
        var table = New("DELIVERY", "TYPE", "STATUS", "ATTEMPTS", "LAST HTTP STATUS", "NEXT ATTEMPT");
        foreach (var d in deliveries)
        {
            Row(table, d.Text("id"), d.Text("type"), d.Text("status"), d.Text("attempts"), d.Text("lastStatusCode"), d.Time("nextAttemptAt", now));
        }
        return Empty(table, "no deliveries");
    }

    public static Table UnappliedPayments(IEnumerable<JsonElement> payments, DateTimeOffset now)
    {
        var table = New("PAYMENT", "ORDER", "REGISTRATION", "AMOUNT", "RECEIVED");
        foreach (var p in payments)
        {
            Row(table, p.Text("paymentId"), p.Text("orderId"), p.Text("registrationId"), p.Money("amount"), p.Time("receivedAt", now));
        }
        return Empty(table, "no unapplied payments");
    }

    /// <summary>One object as field/value lines, for a single thing (a batch).</summary>
    public static Table Fields(JsonElement item, DateTimeOffset now, params (string Label, string Field)[] fields)
    {
        var table = New("FIELD", "VALUE");
        foreach (var (label, field) in fields)
        {
            var isTime = field.EndsWith("At", StringComparison.Ordinal);
            Row(table, label, isTime ? item.Time(field, now) : item.Text(field));
        }
        return table;
    }

    private static Table Empty(Table table, string caption) =>
        table.Rows.Count == 0 ? table.Caption(new TableTitle(caption)) : table;

    private static Table New(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))).NoWrap());
        }
        return table;
    }

    /// <summary>Cells as plain text: the host's strings are never read as Spectre markup.</summary>
    private static void Row(Table table, params string[] cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());
}
