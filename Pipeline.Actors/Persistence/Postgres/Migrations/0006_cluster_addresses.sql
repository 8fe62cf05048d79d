-- Where each node receives Akka cluster traffic (akka.tcp://pipeline@10.0.0.5:4053), so a starting node finds the
-- live ones and joins them (Pipeline.Actors/Cluster/ClusterFormation.cs). cluster_seat is the node's place in line:
-- handed out in order under one advisory lock, a new one per process start, so "who started before whom" is the same
-- answer for every node and only the first live one ever forms a cluster.
ALTER TABLE nodes ADD COLUMN cluster_address text;
ALTER TABLE nodes ADD COLUMN cluster_seat bigint;
