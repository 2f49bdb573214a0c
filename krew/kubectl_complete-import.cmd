@echo off
rem kubectl (1.26 or later) runs this to complete `kubectl import ...` on Windows.
kubectl import __complete %*
