-- Argo CD health check for llm.tollgate.dev/Prompt (resource_customizations/<group>/<kind>/health.lua).
-- Edit this file, not ../../argocd-cm-patch.yaml: the patch is generated from it (ArgoCdHealthTest with
-- -Dupdate-generated=true). Uses only what argocd-cm scripts get by default: Lua's base and table libraries.
--   no status, or status.observedGeneration < metadata.generation  -> Progressing (not observed yet)
--   Stalled=True (the spec cannot succeed without a change)        -> Degraded, with its message
--   Reconciling=True (work in progress)                            -> Progressing, with its message
--   Ready=True                                                     -> Healthy
--   anything else (Ready=False or Unknown, not Stalled)            -> Progressing, with Ready's message
local hs = {}

local function condition(name)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == name then
      return c
    end
  end
  return nil
end

local function text(c)
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return c.type .. " is " .. tostring(c.status)
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
if obj.status == nil or obj.status.observedGeneration == nil
    or (generation ~= nil and obj.status.observedGeneration < generation) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the operator to observe generation " .. generation
  else
    hs.message = "Waiting for the operator to report a status"
  end
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = text(stalled)
  return hs
end

local ready = condition("Ready")
local reconciling = condition("Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = text(reconciling)
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = text(ready)
  return hs
end

hs.status = "Progressing"
if ready ~= nil then
  hs.message = text(ready)
else
  hs.message = "Waiting for the Ready condition"
end
return hs
