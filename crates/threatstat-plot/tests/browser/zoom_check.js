(function(){
// Injected by tests/html_browser.rs: real wheel, pointer and dblclick
// events on the timeline, then the checks; the verdict goes into
// <pre id="ts-result"> for --dump-dom.
var bad=[],api=window.tsTimeline,svg=document.querySelector('#ts-fig svg');
function check(ok,what){if(!ok)bad.push(what);}
function labels(){return Array.prototype.map.call(document.querySelectorAll('#ts-xaxis text'),
function(t){return t.textContent;}).join('|');}
function near(a,b,tol){return Math.abs(a-b)<=tol;}
var pts=document.querySelectorAll('.pt'),c=pts[Math.floor(pts.length/2)];
check(!!api&&!!svg&&!!c,'no timeline API, svg or point');
var v0=api.view(),cx0=c.getAttribute('cx'),l0=labels(),span0=v0[1]-v0[0];
var r=svg.getBoundingClientRect(),s=r.width/svg.viewBox.baseVal.width,ds=svg.dataset;
var L=+ds.left,R=+ds.right,T=+ds.top,B=+ds.bottom;
// Whole pixels: the browser keeps event coordinates in whole pixels.
var cx=Math.round(r.left+(L+R)/2*s),cy=Math.round(r.top+(T+B)/2*s);
var tMid=v0[0]+((cx-r.left)/s-L)/(R-L)*span0;
var notPrevented=svg.dispatchEvent(new WheelEvent('wheel',{deltaY:-400,clientX:cx,clientY:cy,
bubbles:true,cancelable:true}));
check(!notPrevented,'wheel over the plot scrolled the page');
var v1=api.view(),span1=v1[1]-v1[0];
check(span1<0.7*span0,'wheel did not zoom in: span '+span0+' -> '+span1);
check(near(v1[0]+((cx-r.left)/s-L)/(R-L)*span1,tMid,1e-6*span0),'zoom did not keep the time under the cursor');
var t=+c.getAttribute('data-t'),want=L+(t-v1[0])/span1*(R-L);
check(near(+c.getAttribute('cx'),want,0.01),'point not moved to its time: '+c.getAttribute('cx')+' vs '+want);
check(labels()!==l0&&labels().length>0,'time labels not redrawn: '+labels());
// Outside the plot (in the title band) the wheel does nothing.
svg.dispatchEvent(new WheelEvent('wheel',{deltaY:-400,clientX:cx,clientY:r.top+2,bubbles:true,cancelable:true}));
check(api.view()[0]===v1[0]&&api.view()[1]===v1[1],'wheel outside the plot zoomed');
// Drag right by 100 px: the view moves 100 px earlier.
var o={button:0,pointerId:1,bubbles:true,clientY:cy};
o.clientX=cx;svg.dispatchEvent(new PointerEvent('pointerdown',o));
o.clientX=cx+100*s;svg.dispatchEvent(new PointerEvent('pointermove',o));
svg.dispatchEvent(new PointerEvent('pointerup',o));
var v2=api.view(),shift=100/(R-L)*span1;
check(near(v2[0],v1[0]-shift,1e-6*span0)&&near(v2[1],v1[1]-shift,1e-6*span0),
'drag did not pan by 100 px: '+(v2[0]-v1[0])+' vs '+(-shift));
check(near(+c.getAttribute('cx'),L+(t-v2[0])/span1*(R-L),0.01),'point not panned');
// Zooming out stops at the whole range.
api.zoom(1e6);
check(near(api.view()[1]-api.view()[0],span0,1e-9*span0),'zoomed out beyond the data');
// Double-click resets everything to the page as drawn.
svg.dispatchEvent(new MouseEvent('dblclick',{clientX:cx,clientY:cy,bubbles:true}));
var v3=api.view();
check(v3[0]===v0[0]&&v3[1]===v0[1],'dblclick did not reset the view');
check(c.getAttribute('cx')===cx0,'dblclick did not put the point back');
check(labels()===l0,'dblclick did not put the labels back');
// The reset button does the same after a zoom.
api.zoom(0.5);document.getElementById('ts-reset').click();
check(labels()===l0&&api.view()[0]===v0[0],'reset button did not reset');
var pre=document.createElement('pre');pre.id='ts-result';
pre.textContent='ZOOM-CHECK '+(bad.length?'FAILED: '+bad.join('; '):'PASSED');
document.body.appendChild(pre);
})();
