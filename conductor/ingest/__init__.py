"""Events from the tools teams already use, read the same way by every runtime: Conductor's
own lines, CloudEvents (structured, batched, binary), GitHub deliveries and exports."""
