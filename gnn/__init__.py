"""Graph risk: heterogeneous graph building, GNN scoring, contagion and explanations."""
