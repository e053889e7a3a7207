"""Credit lines and drawings, renewals, guarantee and subsidy programmes, pledge registration
and the regulator's figures (issue: credit lines)."""
