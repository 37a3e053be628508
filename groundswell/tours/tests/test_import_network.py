"""An organiser's own network (same columns) imported by the command and used to route a tour."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from groundswell.tours.models import RoadNetwork
from groundswell.tours.network import Assumptions
from groundswell.tours.planning import network_for

from .world import build_world

pytestmark = pytest.mark.django_db

HEADER = "StartCluster,EndCluster,StartClusterLat,StartClusterLon,EndClusterLat,EndClusterLon,road,dist\n"


def test_import_network_command_writes_a_network_a_tour_can_use(tmp_path):
    path = tmp_path / "wales.csv"
    path.write_text(HEADER + "a,b,51.48,-3.18,51.58,-3.00,A48(M),16\nb,a,51.58,-3.00,51.48,-3.18,A48(M),16\n")
    call_command("tours", "import-network", str(path), "--source", "test data, OGL")
    network = RoadNetwork.objects.get()
    assert (network.links, network.junctions) == (2, 2)
    w = build_world()
    w.tour.network = network
    w.tour.save()
    graph = network_for(w.tour, Assumptions()).graph
    assert graph.number_of_edges() == 2 and graph["a"]["b"]["road"] == "A48(M)"


def test_a_bad_network_file_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "a,b,51.48,-3.18,51.58,-3.00,A48(M),16\na,b,north,-3.18,51.58,-3.00,A48(M),16\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("tours", "import-network", str(path), "--source", "x")
    assert not RoadNetwork.objects.exists()
